"""The write mix W: enroll/withdraw and follow/unfollow from concurrent clients.

Clients draw operations on a small pool of students, courses and users, so that
they collide on the same links. After each run the links in the pool are read
back from the database and checked against the operations' ``changed``
answers: every link must end where its starting state plus the net of the
changes says, with no duplicate row, no 5xx and no error.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.httpclient import HttpConnection
from bench.load import Send

__all__ = ["Op", "WriteMix", "check_links", "plan_ops"]

Link = tuple[str, int, int]

_FIELDS = {
    "enroll": "enrollStudent",
    "withdraw": "withdrawStudent",
    "follow": "follow",
    "unfollow": "unfollow",
}
_INPUTS = {"enroll": "EnrollmentInput", "withdraw": "EnrollmentInput"}


def mutation_document(kind: str) -> str:
    input_type = _INPUTS.get(kind, "FollowInput")
    return (
        f"mutation W($input: {input_type}!) {{ {_FIELDS[kind]}(input: $input)"
        " { changed userErrors { code message } } }"
    )


@dataclass(frozen=True)
class Op:
    """A link change: student ``a`` and course ``b``, or follower ``a`` and user ``b``."""

    kind: str
    a: int
    b: int

    @property
    def link(self) -> Link:
        return ("registration" if self.kind in ("enroll", "withdraw") else "follow", self.a, self.b)

    @property
    def adds(self) -> bool:
        return self.kind in ("enroll", "follow")


def plan_ops(
    client: int,
    count: int,
    students: Sequence[int],
    courses: Sequence[int],
    users: Sequence[int],
) -> list[Op]:
    """Client ``client``'s operations: half link changes, half follows as its own user."""
    rng = random.Random(f"bench-w:{client}")
    ops: list[Op] = []
    for _ in range(count):
        if not users or rng.random() < 0.5:
            kind = rng.choice(("enroll", "withdraw"))
            ops.append(Op(kind, rng.choice(students), rng.choice(courses)))
        else:
            me = users[client % len(users)]
            other = rng.choice([u for u in users if u != me])
            ops.append(Op(rng.choice(("follow", "unfollow")), me, other))
    return ops


# Reads one answer: the ``changed`` it reports (None if it was no success) and its SQL cost.
Parse = Callable[[int, bytes], tuple[bool | None, dict[str, int] | None]]


@dataclass
class WriteMix:
    """Prepared requests per client and what their answers said."""

    requests: list[list[tuple[Op, bytes]]]
    parse: Parse
    done: list[tuple[Op, bool]] = field(default_factory=list)
    sql: list[dict[str, int]] = field(default_factory=list)
    server_errors: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    _next: Counter[int] = field(default_factory=Counter)

    def reset(self) -> None:
        self.done, self.sql, self.failures = [], [], []
        self.server_errors = self.failed = 0

    def sender(self) -> Send:
        async def send(connection: HttpConnection, client: int) -> bool:
            mine = self.requests[client]
            op, raw = mine[self._next[client] % len(mine)]
            self._next[client] += 1
            status, body = await connection.request(raw)
            self.server_errors += status >= 500
            changed, sql = self.parse(status, body)
            if changed is None:
                self.failed += 1
                if len(self.failures) < 2:
                    self.failures.append(f"{op.kind} {op.a}->{op.b}: {_failure(status, body)}")
                return False
            self.done.append((op, changed))
            if sql is not None:
                self.sql.append(sql)
            return True

        return send


def _failure(status: int, body: bytes) -> str:
    """A short account of a failed answer: its status and first error."""
    try:
        answer = json.loads(body)
        error = (answer.get("errors") or [{}])[0]
        code = error.get("extensions", {}).get("code", "")
        message = error.get("message") or str(answer.get("data"))[:120]
    except (ValueError, AttributeError):
        return f"HTTP {status} {body[:120]!r}"
    return f"HTTP {status} {code} {message!r}".replace("  ", " ")


def parse_graphql(status: int, body: bytes) -> tuple[bool | None, dict[str, int] | None]:
    if status != 200:
        return None, None
    answer: dict[str, Any] = json.loads(body)
    data = answer.get("data")
    if answer.get("errors") or not data:
        return None, None
    [payload] = data.values()
    if payload["userErrors"]:
        return None, None
    return bool(payload["changed"]), answer.get("extensions", {}).get("sql")


def parse_floor(status: int, body: bytes) -> tuple[bool | None, dict[str, int] | None]:
    if status != 200:
        return None, None
    answer: dict[str, Any] = json.loads(body)
    return bool(answer["data"]["changed"]), answer.get("extensions", {}).get("sql")


def check_links(
    before: set[Link], after: set[Link], after_rows: int, done: Sequence[tuple[Op, bool]]
) -> list[str]:
    """What is wrong with the links after the run, given the answers (empty when nothing)."""
    net: Counter[Link] = Counter()
    for op, changed in done:
        if changed:
            net[op.link] += 1 if op.adds else -1
    problems = []
    if after_rows != len(after):
        problems.append(f"{after_rows - len(after)} duplicate link rows")
    for link in sorted(before | after | set(net)):
        expected = (link in before) + net[link]
        if expected != (link in after):
            problems.append(
                f"{link}: was {'on' if link in before else 'off'}, net change {net[link]:+d},"
                f" now {'on' if link in after else 'off'}"
            )
    return problems[:10]
