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

__all__ = ["decode_cursor", "encode_cursor"]


def encode_cursor(list_name: str, order: str, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps([list_name, order, plain], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, list_name: str, order: str) -> list[Any]:
    """The values of a cursor of ``list_name`` in ``order``; ValueError if it is not one."""
    padded = cursor + "=" * (-len(cursor) % 4)
    name, signature, values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if name != list_name or signature != order or not isinstance(values, list):
        raise ValueError(f"not a cursor of {list_name} ordered by {order}: {cursor!r}")
    return values
