"""Reading one answer, and comparing the other servers' answers with campus's.

The floor must answer with campus's very bytes (``data`` as written on the
wire); the naive baseline with the same values; PostGraphile with the same
rows and values under its own IDs and cursors (``bench.postgraphile.mapping``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.httpclient import HttpConnection
from bench.servers import HOST, BenchError

__all__ = ["Answer", "Same", "byte_difference", "data_bytes", "difference", "probe"]

# Whether two leaves at ``path`` (the last key named) hold the same thing, or
# None to compare them as they are.
Same = Callable[[str, Any, Any], bool | None]


@dataclass(frozen=True)
class Answer:
    data: Any
    raw: bytes  # the bytes of ``data`` in the body
    sql: dict[str, int]


async def probe(port: int, request: bytes) -> Answer:
    """One request: its ``data``, their bytes and SQL cost; anything but a clean answer fails."""
    connection = HttpConnection(HOST, port)
    try:
        status, body = await connection.request(request)
    finally:
        await connection.close()
    answer = json.loads(body) if body else {}
    if status != 200 or answer.get("errors") or "data" not in answer:
        raise BenchError(f"HTTP {status}: {body[:800]!r}")
    return Answer(answer["data"], data_bytes(body), answer.get("extensions", {}).get("sql", {}))


def data_bytes(body: bytes) -> bytes:
    """The bytes of the top-level ``data`` member of a JSON answer."""
    text = body.decode()
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if text[at] != "{":
        raise BenchError(f"not a JSON object: {body[:200]!r}")
    at = _skip(text, at + 1)
    while text[at] != "}":
        key, at = decoder.raw_decode(text, at)
        at = _skip(text, _skip(text, at) + 1)  # past the colon
        _, end = decoder.raw_decode(text, at)
        if key == "data":
            return text[at:end].encode()
        at = _skip(text, end)
        at = _skip(text, at + 1) if text[at] == "," else at
    raise BenchError(f"no data in the answer: {body[:200]!r}")


def _skip(text: str, at: int) -> int:
    while text[at] in " \t\r\n":
        at += 1
    return at


def difference(
    expected: Any, actual: Any, path: str = "data", same: Same | None = None
) -> str | None:
    """Where two answers first differ, or None when they are equal.

    ``same`` decides for leaves it knows (PostGraphile's IDs and cursors).
    """
    if same is not None and not isinstance(expected, dict | list):
        verdict = same(path, expected, actual)
        if verdict is not None:
            return None if verdict else f"{path}: campus {expected!r}, here {actual!r}"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in [*expected, *(k for k in actual if k not in expected)]:
            if key not in expected or key not in actual:
                return f"{path}.{key} is in only one of the answers"
            if found := difference(expected[key], actual[key], f"{path}.{key}", same):
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items from campus, {len(actual)} here"
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            if found := difference(a, b, f"{path}[{i}]", same):
                return found
        return None
    return None if expected == actual else f"{path}: campus {expected!r}, here {actual!r}"


def byte_difference(expected: bytes, actual: bytes) -> str | None:
    """Where two answers' bytes first differ, with some context; None when they are equal."""
    if expected == actual:
        return None
    at = next(
        (i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
        min(len(expected), len(actual)),
    )
    start = max(0, at - 60)
    return (
        f"the bytes of data differ at {at}: campus …{expected[start : at + 40]!r}…,"
        f" here …{actual[start : at + 40]!r}…"
    )
