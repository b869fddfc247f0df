"""The wire format of the campus server's keyset cursors, for the comparison servers.

It mirrors ``schema.engine.pagination`` (base64 of ``[list, order, values]``) so that
the naive and floor servers can answer with byte-identical cursors; the
warm-up comparison in the benchmark checks that they do.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

__all__ = [
    "COURSES_BY_STUDENTS",
    "STUDENTS_BY_ID",
    "USERS_BY_FOLLOWERS",
    "cursor_list",
    "decode_cursor",
    "encode_cursor",
]

# (list, order) as cursors name them: campus names an order by its columns,
# each with its direction, the id always last (ties go the order's way).
STUDENTS_BY_ID = ("Query.students", "id:asc")
USERS_BY_FOLLOWERS = ("Query.users", "follower_count:desc,id:desc")
COURSES_BY_STUDENTS = ("Query.courses", "student_count:desc,id:desc")


def encode_cursor(list_name: str, order: str, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps([list_name, order, plain], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def cursor_list(cursor: str) -> tuple[str, str]:
    """The (list, order) a cursor belongs to; ValueError if it is not a cursor."""
    name, signature, _ = _parts(cursor)
    return name, signature


def _parts(cursor: str) -> tuple[Any, Any, Any]:
    padded = cursor + "=" * (-len(cursor) % 4)
    name, signature, values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    return name, signature, values


def decode_cursor(cursor: str, list_name: str, order: str) -> list[Any]:
    """The values of a cursor of ``list_name`` in ``order``; ValueError if it is not one."""
    name, signature, values = _parts(cursor)
    if name != list_name or signature != order or not isinstance(values, list):
        raise ValueError(f"not a cursor of {list_name} ordered by {order}: {cursor!r}")
    return values
