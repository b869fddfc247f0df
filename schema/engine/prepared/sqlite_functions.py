"""The functions SQLite lacks for writing an answer: global IDs and cursors (base64).

Registered on a connection the first time a prepared read runs on it. Each is
the engine's own encoding (``schema.engine.ids``, ``schema.engine.pagination``)
called from SQL, so both read paths write the same strings.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import orjson

from schema.engine.ids import encode_id

__all__ = ["FUNCTIONS"]


def _cursor(head: str, *values: Any) -> str:
    raw = head.encode() + b",".join(orjson.dumps(value) for value in values) + b"]]"
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


# Name, number of arguments (-1: any), the function.
FUNCTIONS: tuple[tuple[str, int, Callable[..., Any]], ...] = (
    ("campus_gid", 2, encode_id),
    ("campus_cursor", -1, _cursor),
)
