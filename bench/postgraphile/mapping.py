"""PostGraphile's side of a query: its variables, and how its answer is held to campus's.

Its documents (``bench.queries``) alias its fields to campus's names, so the
answers have the same shape; what differs by design is mapped here:

- IDs: PostGraphile's documents select ``rowId``, the primary key; campus's
  global ID must name the same row.
- Cursors are each server's own: both must be there, or both null.
- DateTimes: the same instant (PostGraphile writes ``+00:00``, campus ``Z``).
- ``hasPreviousPage`` when paging forward with ``after``: campus answers
  true; PostGraphile false, as the Relay specification allows a server that
  does not look back. Only that difference is let through.

Everything else (rows, their order, every other value) must be equal.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from bench.accounts import graphql
from bench.cursors import STUDENTS_BY_ID, USERS_BY_FOLLOWERS, cursor_list, decode_cursor
from bench.httpclient import HttpConnection
from bench.queries import ReadQuery
from bench.servers import HOST

__all__ = ["same", "variables"]

# The last student at or before a key, in the order Q1 and Q3 page by.
_CURSOR_OF_STUDENT = """
query ($id: Int!) {
  allStudents(orderBy: PRIMARY_KEY_ASC, last: 1, filter: { rowId: { lessThanOrEqualTo: $id } }) {
    edges { cursor }
  }
}"""
# The last user at or before a (follower count, key), in the order Q5 pages by.
_CURSOR_OF_USER = """
query ($count: Int!, $id: Int!) {
  allUsers(
    orderBy: [FOLLOWER_COUNT_DESC, PRIMARY_KEY_DESC]
    last: 1
    filter: {
      or: [
        { followerCount: { greaterThan: $count } }
        { followerCount: { equalTo: $count }, rowId: { greaterThanOrEqualTo: $id } }
      ]
    }
  ) {
    edges { cursor }
  }
}"""


def _pk(global_id: str) -> int | None:
    try:
        _, _, pk = base64.b64decode(global_id, validate=True).decode().partition(":")
        return int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _instant(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def same(path: str, expected: Any, actual: Any) -> bool | None:
    """``bench.answers.Same`` for PostGraphile: the leaves that differ by design."""
    key = path.rpartition(".")[2]
    if key == "id":
        return isinstance(expected, str) and _pk(expected) == actual
    if key in ("cursor", "endCursor"):
        return (expected is None) == (actual is None)
    if key in ("followedAt", "createdAt"):
        return _instant(expected) is not None and _instant(expected) == _instant(actual)
    if key == "hasPreviousPage":
        return expected == actual or (expected is True and actual is False)
    return None


async def variables(port: int, query: ReadQuery) -> dict[str, Any]:
    """Campus's variables for ``query`` as PostGraphile takes them.

    A user's global ID becomes its key; a students cursor (or a users cursor
    by follower count) becomes PostGraphile's cursor of the same row (of the
    row before it when there is none; no cursor when there is no row before),
    asked of the server.
    """
    mapped: dict[str, Any] = {}
    for name, value in query.variables.items():
        if name == "user":
            mapped[name] = _pk(value)
        elif name == "after" and value is not None:
            mapped[name] = await _cursor(port, value)
        else:
            mapped[name] = value
    return mapped


async def _cursor(port: int, cursor: str) -> str | None:
    if cursor_list(cursor) == USERS_BY_FOLLOWERS:
        count, user = decode_cursor(cursor, *USERS_BY_FOLLOWERS)
        return await _cursor_of(port, _CURSOR_OF_USER, "allUsers", {"count": count, "id": user})
    [student] = decode_cursor(cursor, *STUDENTS_BY_ID)
    return await _cursor_of(port, _CURSOR_OF_STUDENT, "allStudents", {"id": student})


async def _cursor_of(port: int, document: str, field: str, args: dict[str, int]) -> str | None:
    connection = HttpConnection(HOST, port)
    try:
        answer = await graphql(connection, port, document, args)
    finally:
        await connection.close()
    edges = answer["data"][field]["edges"]
    return str(edges[0]["cursor"]) if edges else None
