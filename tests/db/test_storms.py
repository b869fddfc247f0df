"""Storms of concurrent writes through the HTTP stack: no error, no lost or duplicate row.

Requests overlap for real: they share one event loop and wait for the
database side by side, each on a pooled connection of its own; every test
checks that at least ten held one at the same moment.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from server.config import Settings
from server.db.models import Article, Follow, registrations, utcnow
from tests.people import add_user, bearer
from tests.rows import add_course, add_student, register
from tests.support import App, gid, serve_own

ENROLL = """mutation($input: EnrollmentInput!) {
  enrollStudent(input: $input) { changed userErrors { code } } }"""
WITHDRAW = ENROLL.replace("enrollStudent", "withdrawStudent")
FOLLOW = """mutation($userId: ID!) {
  follow(input: {userId: $userId}) { changed userErrors { code } } }"""
UNFOLLOW = FOLLOW.replace("follow(", "unfollow(")
DELETE_USER = """mutation($input: DeleteInput!) {
  deleteUser(input: $input) { deletedId userErrors { code } } }"""
WRITE = """mutation($title: String!) {
  createArticle(input: {title: $title, body: "b"}) { article { title } userErrors { code } } }"""

ROUNDS, CLIENTS = 20, 20
USERS, STUDENTS, COURSES = 10, 10, 10
MUTUAL = 12
# Writers take turns for the lock, so the last of 400 waits for all the others;
# what these tests check is the rows they leave, not how fast a busy machine is.
STORM_BUDGET_SECONDS = 120.0


@pytest.fixture
async def app(settings: Settings, own_database_url: str) -> AsyncIterator[App]:
    """The app over a database of its own, with a time budget that fits a storm."""
    storm = replace(
        settings, database_url=own_database_url, request_timeout_seconds=STORM_BUDGET_SECONDS
    )
    async with serve_own(storm) as app:
        yield app


@contextmanager
def busiest(app: App) -> Iterator[list[int]]:
    """The most connections the requests held at once, once the block ends."""
    held, most = 0, [0]

    def checkout(*args: Any) -> None:
        nonlocal held
        held += 1
        most[0] = max(most[0], held)

    def checkin(*args: Any) -> None:
        nonlocal held
        held -= 1

    engine = app.database.engine.sync_engine
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield most
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


async def _rows(app: App, stmt: Any) -> set[tuple[Any, ...]]:
    async with app.database.engine.connect() as connection:
        return {tuple(row) for row in await connection.execute(stmt)}


def _link(student: int, course: int) -> dict[str, Any]:
    return {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}


async def test_twenty_rounds_of_twenty_clients_adding_one_link_make_one_row_each(app: App) -> None:
    """Even rounds enroll one student in a course, odd ones make one user follow another."""
    async with app.database.engine.begin() as connection:
        admin = bearer(app.settings, await add_user(connection, "admin", is_admin=True))
        target = await add_user(connection, "target")
        fans = [await add_user(connection, f"fan_{r:02}") for r in range(ROUNDS)]
        students = [await add_student(connection, f"S{r}") for r in range(ROUNDS)]
        course = await add_course(connection, "C")

    with busiest(app) as most:
        for r in range(ROUNDS):
            if r % 2 == 0:
                field = "enrollStudent"
                answers = await app.all(ENROLL, [_link(students[r], course)] * CLIENTS, **admin)
                rows = select(registrations).where(registrations.c.student_id == students[r])
            else:
                field = "follow"
                fan = bearer(app.settings, fans[r])
                answers = await app.all(FOLLOW, [{"userId": gid("User", target)}] * CLIENTS, **fan)
                rows = select(Follow).where(Follow.follower_id == fans[r])
            payloads = [a[field] for a in answers]
            assert all(p["userErrors"] == [] for p in payloads)
            assert Counter(p["changed"] for p in payloads) == {True: 1, False: CLIENTS - 1}
            assert len(await _rows(app, rows)) == 1
    assert most[0] >= 10
    assert await app.drifts() == []


async def test_four_hundred_mixed_writes_at_once_leave_exactly_the_expected_rows(
    app: App,
) -> None:
    rng = random.Random(8)
    async with app.database.engine.begin() as connection:
        admin = bearer(app.settings, await add_user(connection, "admin", is_admin=True))
        users = [await add_user(connection, f"user_{i}") for i in range(USERS)]
        students = [await add_student(connection, f"S{i}") for i in range(STUDENTS)]
        courses = [await add_course(connection, f"C{i}") for i in range(COURSES)]
        pairs = [(s, c) for s in students for c in courses]
        rng.shuffle(pairs)
        withdrawn, enrolled = pairs[:50], pairs[50:]
        for student, course in withdrawn:
            await register(connection, student, course)
        links = [(a, b) for a in users for b in users if a != b]
        rng.shuffle(links)
        unfollowed, followed = links[:25], links[25:75]
        await connection.execute(
            insert(Follow),
            [{"follower_id": a, "followed_id": b, "created_at": utcnow()} for a, b in unfollowed],
        )

    def as_user(user: int, document: str, variables: dict[str, Any]) -> Awaitable[Any]:
        return app.client.query(document, variables, **bearer(app.settings, user))

    requests: list[tuple[str, Awaitable[Any]]] = []
    for _ in range(2):  # each link change twice: the second finds it done
        requests += [
            ("enrollStudent", app.client.query(ENROLL, _link(*p), **admin)) for p in enrolled
        ]
        requests += [
            ("withdrawStudent", app.client.query(WITHDRAW, _link(*p), **admin)) for p in withdrawn
        ]
        requests += [
            ("follow", as_user(a, FOLLOW, {"userId": gid("User", b)})) for a, b in followed
        ]
        requests += [
            ("unfollow", as_user(a, UNFOLLOW, {"userId": gid("User", b)})) for a, b in unfollowed
        ]
    requests += [
        ("createArticle", as_user(users[i % USERS], WRITE, {"title": f"T{i:02}"}))
        for i in range(50)
    ]
    assert len(requests) == 400
    rng.shuffle(requests)

    with busiest(app) as most:
        answers = await asyncio.gather(*(request for _, request in requests))

    payloads = [answer[field] for (field, _), answer in zip(requests, answers, strict=True)]
    assert all(p["userErrors"] == [] for p in payloads)
    changed = Counter(
        field for (field, _), p in zip(requests, payloads, strict=True) if p.get("changed")
    )
    assert changed == {"enrollStudent": 50, "withdrawStudent": 50, "follow": 50, "unfollow": 25}
    assert await _rows(app, select(registrations)) == set(enrolled)
    assert await _rows(app, select(Follow.follower_id, Follow.followed_id)) == set(followed)
    titles = await _rows(app, select(Article.title))
    assert titles == {(f"T{i:02}",) for i in range(50)}
    assert most[0] >= 10
    assert await app.drifts() == []


async def test_users_following_and_unfollowing_each_other_at_once_keep_exact_counts(
    app: App,
) -> None:
    """A follows B while B follows A, for every pair both ways: the counters of both rows."""
    rng = random.Random(3)
    async with app.database.engine.begin() as connection:
        users = [await add_user(connection, f"peer_{i:02}") for i in range(MUTUAL)]
        pairs = [(a, b) for a in users for b in users if a != b]
        before = set(rng.sample(pairs, len(pairs) // 2))
        await connection.execute(
            insert(Follow),
            [{"follower_id": a, "followed_id": b, "created_at": utcnow()} for a, b in before],
        )

    # Each pair flips: unfollowed if it was followed, followed if not; each request twice.
    requests = [
        (a, b, UNFOLLOW if (a, b) in before else FOLLOW) for a, b in pairs for _ in range(2)
    ]
    rng.shuffle(requests)
    with busiest(app) as most:
        answers = await asyncio.gather(
            *(
                app.client.query(document, {"userId": gid("User", b)}, **bearer(app.settings, a))
                for a, b, document in requests
            )
        )

    payloads = [next(iter(answer.values())) for answer in answers]
    assert all(p["userErrors"] == [] for p in payloads)
    assert sum(p["changed"] for p in payloads) == len(pairs)
    after = await _rows(app, select(Follow.follower_id, Follow.followed_id))
    assert after == set(pairs) - before
    assert await app.drifts() == []
    assert most[0] >= 10


async def test_deleting_users_while_others_follow_them_keeps_exact_counts(app: App) -> None:
    """Cascaded deletes update the counters of many rows, in an order no service chooses."""
    rng = random.Random(5)
    async with app.database.engine.begin() as connection:
        admin = bearer(app.settings, await add_user(connection, "admin", is_admin=True))
        fans = [await add_user(connection, f"fan_{i:02}") for i in range(MUTUAL)]
        stars = [await add_user(connection, f"star_{i:02}") for i in range(MUTUAL // 3)]
        # Every star follows every fan: deleting a star updates every fan's row.
        await connection.execute(
            insert(Follow),
            [
                {"follower_id": star, "followed_id": fan, "created_at": utcnow()}
                for star in stars
                for fan in fans
            ],
        )

    # Fans follow each other (twice) and follow and unfollow the stars, who go.
    plan = [(a, b, (FOLLOW, FOLLOW)) for a in fans for b in fans if a != b]
    plan += [(a, b, (FOLLOW, UNFOLLOW)) for a in fans for b in stars]
    requests: list[Awaitable[Any]] = [
        app.client.query(document, {"userId": gid("User", b)}, **bearer(app.settings, a))
        for a, b, documents in plan
        for document in documents
    ]
    deletes = [
        app.client.query(DELETE_USER, {"input": {"id": gid("User", star)}}, **admin)
        for star in stars
    ]
    requests += deletes
    rng.shuffle(requests)
    answers = await asyncio.gather(*requests)

    payloads = [next(iter(answer.values())) for answer in answers]
    # A follow of a star already deleted finds no such user; nothing else goes wrong.
    assert {e["code"] for p in payloads for e in p["userErrors"]} <= {"NOT_FOUND"}
    assert sum(p.get("deletedId") is not None for p in payloads) == len(stars)
    follows = await _rows(app, select(Follow.follower_id, Follow.followed_id))
    assert follows == {(a, b) for a in fans for b in fans if a != b}
    assert await app.drifts() == []
