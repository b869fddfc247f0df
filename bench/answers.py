"""Reading one answer, and comparing the baselines' answers with campus's."""

from __future__ import annotations

import json
from typing import Any

from bench.httpclient import HttpConnection
from bench.servers import HOST, BenchError

__all__ = ["difference", "probe"]


async def probe(port: int, request: bytes) -> tuple[Any, dict[str, int]]:
    """One request: its ``data`` and SQL cost; anything but a clean answer is an error."""
    connection = HttpConnection(HOST, port)
    try:
        status, body = await connection.request(request)
    finally:
        await connection.close()
    answer = json.loads(body) if body else {}
    if status != 200 or answer.get("errors") or "data" not in answer:
        raise BenchError(f"HTTP {status}: {body[:800]!r}")
    return answer["data"], answer.get("extensions", {}).get("sql", {})


def difference(expected: Any, actual: Any, path: str = "data") -> str | None:
    """Where two answers first differ, or None when they are equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in [*expected, *(k for k in actual if k not in expected)]:
            if key not in expected or key not in actual:
                return f"{path}.{key} is in only one of the answers"
            if found := difference(expected[key], actual[key], f"{path}.{key}"):
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items from campus, {len(actual)} here"
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            if found := difference(a, b, f"{path}[{i}]"):
                return found
        return None
    return None if expected == actual else f"{path}: campus {expected!r}, here {actual!r}"
