"""PostgreSQL's writers of events run side by side; each event still comes once, as it commits.

A transaction is held open after it has written its event (a service called
on a session of the test's own), while other changes commit through the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from server.config import Settings
from server.services import enrollment, follows
from server.services.permissions import Actor
from tests.live.sockets import LiveApp, link, seed_cast, serve_live
from tests.people import bearer
from tests.support import gid

ROSTER = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
  change studentId } }"""
FEED = "subscription { feedArticleAdded { title } }"
ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""
WITHDRAW = """mutation ($s: ID!, $c: ID!) { withdrawStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""
WRITE = """mutation ($t: String!) { createArticle(input: {title: $t, body: "..."}) {
  article { id } } }"""
FOLLOW = """mutation ($id: ID!) { follow(input: {userId: $id}) { changed } }"""
# Far longer than a commit takes, far shorter than the test's own timeouts.
NO_WAITING_SECONDS = 5.0


@dataclass
class World:
    live: LiveApp
    admin: int
    ann: int
    ben: int
    cal: int
    students: list[int]
    courses: list[int]

    async def run(self, query: str, variables: dict[str, Any], user: int) -> None:
        headers = bearer(self.live.settings, user)
        await self.live.client.query(query, variables, **headers)


@pytest.fixture
async def world(settings: Settings, own_database_url: str) -> AsyncIterator[World]:
    if own_database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: its events commit in id order")
    own = replace(settings, database_url=own_database_url)
    cast = await seed_cast(own, courses=2)
    async with serve_live(own) as live:
        yield World(live, cast.admin, *cast.users, cast.students, cast.courses)


async def without_waiting(change: Awaitable[None]) -> None:
    """``change`` commits while a transaction is held open; TimeoutError if it has to wait.

    Shielded: after a timeout the change goes on, and ends with the open transaction.
    """
    await asyncio.wait_for(asyncio.shield(change), NO_WAITING_SECONDS)


def roster(course: int) -> dict[str, str]:
    return {"id": gid("Course", course)}


async def test_a_writer_of_another_topic_neither_waits_for_an_open_one_nor_is_held_back(
    world: World,
) -> None:
    [s0, s1, _] = world.students
    c0, c1 = world.courses
    admin = Actor(user_id=world.admin, is_admin=True)
    async with world.live.socket() as first, world.live.socket() as second:
        await first.subscribe(ROSTER, roster(c0))
        await second.subscribe(ROSTER, roster(c1))
        await world.live.subscribed(2)
        async with world.live.database.transaction() as session:
            await enrollment.enroll(session, admin, student_id=s0, course_id=c0)
            # Its event is written, and the transaction stays open meanwhile.
            await without_waiting(world.run(ENROLL, link(s1, c1), world.admin))
            [event] = await second.events(1)
            assert event["courseRosterChanged"]["studentId"] == gid("Student", s1)
            await first.silent()
        [event] = await first.events(1)
        assert event["courseRosterChanged"]["studentId"] == gid("Student", s0)
        await first.silent()
        await second.silent()


async def test_writers_of_one_course_queue_so_its_events_come_once_in_id_order(
    world: World,
) -> None:
    """A course's counter is written with each of its links: its second writer waits.

    So two changes of one roster never commit out of id order (the feed's test
    below covers events that do, from writers of different rows).
    """
    [s0, s1, _] = world.students
    course = world.courses[0]
    admin = Actor(user_id=world.admin, is_admin=True)
    async with world.live.socket() as socket:
        await socket.subscribe(ROSTER, roster(course))
        await world.live.subscribed(1)
        async with world.live.database.transaction() as session:
            await enrollment.enroll(session, admin, student_id=s0, course_id=course)
            second = asyncio.ensure_future(world.run(ENROLL, link(s1, course), world.admin))
            with pytest.raises(TimeoutError):
                await without_waiting(second)
            await socket.silent()
        await second
        first_two = [e["courseRosterChanged"] for e in await socket.events(2)]
        await world.run(WITHDRAW, link(s1, course), world.admin)
        [last] = [e["courseRosterChanged"] for e in await socket.events(1)]
        await socket.silent()  # nothing is delivered twice
    got = [(e["change"], e["studentId"]) for e in (*first_two, last)]
    assert got == [
        ("ADDED", gid("Student", s0)),
        ("ADDED", gid("Student", s1)),
        ("REMOVED", gid("Student", s1)),
    ]


async def test_the_feed_applies_a_follow_that_committed_after_a_later_id(world: World) -> None:
    ann, ben, cal = world.ann, world.ben, world.cal
    await world.run(FOLLOW, {"id": gid("User", ben)}, ann)
    token = bearer(world.live.settings, ann)
    async with world.live.database.transaction() as session:
        await follows.follow(session, Actor(user_id=ann, is_admin=False), user_id=cal)
        # A later id commits first; then the feed starts from a snapshot
        # that has it, but not the open follow.
        await without_waiting(world.run(WRITE, {"t": "before"}, ben))
        async with world.live.socket(token) as socket:
            await socket.subscribe(FEED)
            await world.live.subscribed(1)
            await without_waiting(world.run(WRITE, {"t": "by ben"}, ben))
            [started] = await socket.events(1)  # the feed has read its snapshot
            await session.commit()
            await world.run(WRITE, {"t": "by cal"}, cal)
            [followed] = await socket.events(1)
            await socket.silent()
    assert [started, followed] == [
        {"feedArticleAdded": {"title": "by ben"}},
        {"feedArticleAdded": {"title": "by cal"}},
    ]
