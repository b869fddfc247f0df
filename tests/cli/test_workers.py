"""Several server processes sharing one database, driven by many clients at once.

`campus serve --workers 4` runs as a deployment runs it; concurrent enroll,
withdraw, follow and unfollow traffic, each request repeated by several
clients at the same moment, must leave exactly the expected rows: no
duplicate, no lost write, no 5xx.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from server.config import Settings
from server.db.engine import Database
from server.db.models import Follow, registrations
from tests.people import add_user, bearer
from tests.processes import campus_serve, server_env
from tests.rows import add_course, add_student
from tests.support import gid

WORKERS = 4
STUDENTS, COURSES, FOLLOWERS, REPEATS = 8, 5, 24, 3

ENROLL = """mutation ($input: EnrollmentInput!) {
  enrollStudent(input: $input) { changed userErrors { code } } }"""
WITHDRAW = """mutation ($input: EnrollmentInput!) {
  withdrawStudent(input: $input) { changed userErrors { code } } }"""
FOLLOW = """mutation ($id: ID!) { follow(input: {userId: $id}) { changed userErrors { code } } }"""
UNFOLLOW = (
    """mutation ($id: ID!) { unfollow(input: {userId: $id}) { changed userErrors { code } } }"""
)


@contextmanager
def workers_serving(
    settings: Settings, database_url: str, log: Path, workers: int = WORKERS
) -> Iterator[str]:
    """``campus serve --workers N`` over the database; its base URL once ready."""
    env = server_env(settings, database_url, CAMPUS_POOL_SIZE="5")
    with campus_serve(env, log, workers=workers) as served:
        yield served.base


@pytest.fixture
def server(settings: Settings, own_database_url: str, tmp_path: Path) -> Iterator[str]:
    with workers_serving(settings, own_database_url, tmp_path / "serve.log") as base:
        yield base


@pytest.fixture
async def world(settings: Settings, own_database_url: str) -> AsyncIterator[dict[str, Any]]:
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.begin() as conn:
        admin = await add_user(conn, "admin", is_admin=True)
        target = await add_user(conn, "target")
        followers = [await add_user(conn, f"follower_{i:02}") for i in range(FOLLOWERS)]
        students = [await add_student(conn, f"Student {i}") for i in range(STUDENTS)]
        courses = [await add_course(conn, f"C{i}") for i in range(COURSES)]
    yield {
        "admin": bearer(settings, admin),
        "target": gid("User", target),
        "followers": [bearer(settings, f) for f in followers],
        "pairs": [
            {"studentId": gid("Student", s), "courseId": gid("Course", c)}
            for s in students
            for c in courses
        ],
        "database": database,
    }
    await database.dispose()


async def _send(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert payload["userErrors"] == [], payload
    return payload  # type: ignore[no-any-return]


async def _storm(
    http: httpx.AsyncClient, requests: list[tuple[str, dict[str, Any], dict[str, str]]]
) -> Counter[bool]:
    """Send every request REPEATS times, all at once; count the `changed` answers."""
    sends = [_send(http, q, v, h) for q, v, h in requests for _ in range(REPEATS)]
    return Counter(payload["changed"] for payload in await asyncio.gather(*sends))


async def test_workers_share_the_database_without_losing_or_doubling_writes(
    server: str, world: dict[str, Any]
) -> None:
    # Idle connections expire on our side well before uvicorn's 5 s keep-alive,
    # so no request goes out on a connection the server is closing.
    limits = httpx.Limits(max_connections=64, keepalive_expiry=1)
    async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as http:
        admin, target, pairs = world["admin"], world["target"], world["pairs"]
        enrolled, followed = await asyncio.gather(
            _storm(http, [(ENROLL, {"input": pair}, admin) for pair in pairs]),
            _storm(http, [(FOLLOW, {"id": target}, h) for h in world["followers"]]),
        )
        withdrawn_pairs = pairs[::COURSES]  # each student's first course
        unfollowers = world["followers"][::2]
        withdrawn, unfollowed = await asyncio.gather(
            _storm(http, [(WITHDRAW, {"input": pair}, admin) for pair in withdrawn_pairs]),
            _storm(http, [(UNFOLLOW, {"id": target}, h) for h in unfollowers]),
        )
    assert enrolled == {True: len(pairs), False: len(pairs) * (REPEATS - 1)}
    assert followed == {True: FOLLOWERS, False: FOLLOWERS * (REPEATS - 1)}
    assert withdrawn == {True: len(withdrawn_pairs), False: len(withdrawn_pairs) * (REPEATS - 1)}
    assert unfollowed == {True: len(unfollowers), False: len(unfollowers) * (REPEATS - 1)}
    async with world["database"].engine.connect() as conn:
        links = await conn.scalar(select(func.count()).select_from(registrations))
        follows = await conn.scalar(select(func.count()).select_from(Follow))
    assert links == len(pairs) - len(withdrawn_pairs)
    assert follows == FOLLOWERS - len(unfollowers)


async def test_two_workers_on_one_sqlite_file_take_storms_of_identical_writes(
    settings: Settings, own_database_url: str, tmp_path: Path, world: dict[str, Any]
) -> None:
    """Round after round, every client sends the same write at once: exactly one changes it."""
    if not own_database_url.startswith("sqlite"):
        pytest.skip("one SQLite file shared by two processes; PostgreSQL is the test above")
    admin, target, pairs = world["admin"], world["target"], world["pairs"]
    clients = len(world["followers"])
    limits = httpx.Limits(max_connections=64, keepalive_expiry=1)
    with workers_serving(settings, own_database_url, tmp_path / "serve.log", workers=2) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            for pair in pairs[:10]:
                same = [_send(http, ENROLL, {"input": pair}, admin) for _ in range(clients)]
                answers = Counter(payload["changed"] for payload in await asyncio.gather(*same))
                assert answers == {True: 1, False: clients - 1}
            # Every follower follows the target, twice each, all at once.
            followed = await _storm(http, [(FOLLOW, {"id": target}, h) for h in world["followers"]])
    assert followed == {True: clients, False: clients * (REPEATS - 1)}
    async with world["database"].engine.connect() as conn:
        links = await conn.scalar(select(func.count()).select_from(registrations))
        follows = await conn.scalar(select(func.count()).select_from(Follow))
    assert (links, follows) == (10, clients)
