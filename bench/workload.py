"""What each server is sent: the read queries with their variables, and every request's bytes.

Campus and the naive baseline get GraphQL at ``/graphql``; the floor gets the
same variables as JSON at its own path (``/rows/qN`` or ``/json/qN``, its two
variants); PostGraphile its own document and variables at ``/graphql``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from bench import writes
from bench.accounts import Accounts
from bench.cursors import encode_cursor
from bench.database import Targets
from bench.httpclient import json_request
from bench.queries import Q1, Q2, Q3, Q4, Q5, Q6, ReadQuery
from bench.servers import HOST
from bench.skew import Skew

__all__ = [
    "Deep",
    "floor_request",
    "postgraphile_request",
    "read_queries",
    "read_request",
    "skewed_queries",
    "write_request",
]


@dataclass(frozen=True)
class Deep:
    """A deep page's cursor, reached by paging from the start: after the first ``offset`` rows."""

    cursor: str | None
    offset: int


def read_queries(targets: Targets, students: Deep, users: Deep) -> list[ReadQuery]:
    return [
        Q1,
        Q2.with_variables("Q2", Q2.title, user=_gid("User", targets.q2_user)),
        Q3.with_variables("Q3 first", "20 students, first page", after=None),
        Q3.with_variables(
            "Q3 deep", f"20 students after the first {students.offset:,}", after=students.cursor
        ),
        Q4.with_variables("Q4", Q4.title, code=targets.q4_code),
        Q5.with_variables("Q5 first", "20 most-followed users, first page", after=None),
        Q5.with_variables(
            "Q5 deep",
            f"20 users by follower count after the first {users.offset:,}",
            after=users.cursor,
        ),
        Q6,
    ]


def skewed_queries(skew: Skew | None) -> list[ReadQuery]:
    """Q1 and Q2 where their lists are longest: they must cost what the ordinary ones do."""
    if skew is None:
        return []
    after = encode_cursor("Query.students", "id:asc", [skew.before_big_course])
    celebrity = _gid("User", skew.celebrity)
    return [
        Q1.with_variables("Q1 skewed", "Q1 from the first of a course's 5,000", after=after),
        Q2.with_variables("Q2 skewed", "Q2 on a user followed by 20,000", user=celebrity),
    ]


def read_request(port: int, query: ReadQuery) -> bytes:
    """Campus's or the naive baseline's request."""
    payload = {"query": query.document, "variables": query.variables}
    return json_request(HOST, port, "/graphql", payload)


def floor_request(port: int, query: ReadQuery, variant: str) -> bytes:
    return json_request(HOST, port, f"/{variant}{query.floor_path}", query.variables)


def postgraphile_request(port: int, query: ReadQuery, variables: dict[str, Any]) -> bytes:
    payload = {"query": query.postgraphile, "variables": variables}
    return json_request(HOST, port, "/graphql", payload)


def write_request(kind: str, port: int, op: writes.Op, accounts: Accounts | None) -> bytes:
    if kind == "floor":
        return json_request(HOST, port, "/w", {"op": op.kind, "a": op.a, "b": op.b})
    assert accounts is not None
    if op.kind in ("enroll", "withdraw"):
        token = accounts.admin_token
        variables = {"studentId": _gid("Student", op.a), "courseId": _gid("Course", op.b)}
    else:
        token = accounts.user_tokens[op.a]
        variables = {"userId": _gid("User", op.b)}
    payload = {"query": writes.mutation_document(op.kind), "variables": {"input": variables}}
    return json_request(HOST, port, "/graphql", payload, {"Authorization": f"Bearer {token}"})


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")
