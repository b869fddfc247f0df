"""Load and back-pressure: 200 sockets on one worker, and a consumer that falls behind."""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import replace

import pytest
from httpx_ws import WebSocketDisconnect
from starlette.websockets import WebSocket

from schema.common.context import Context
from server.config import Settings
from server.db.engine import Database
from server.live import LiveEvent, Subscriber
from server.live.fanout import Group, Member
from tests.live.sockets import LiveApp, Stall, serve_live
from tests.people import add_user, bearer
from tests.rows import add_course, add_student
from tests.support import gid

ROSTER = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
  change studentId student { name courses { totalCount } } } }"""
ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""
WITHDRAW = """mutation ($s: ID!, $c: ID!) { withdrawStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""
SOCKETS = 200
SECONDS = 10


async def _admin_and_link(own: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """An admin's headers, and the global IDs of a student and a course not yet linked."""
    database = Database(own)
    async with database.engine.begin() as conn:
        admin = bearer(own, await add_user(conn, "admin", is_admin=True))
        course, student = await add_course(conn, "C1"), await add_student(conn, "Sam")
    await database.dispose()
    return admin, {"s": gid("Student", student), "c": gid("Course", course)}


async def test_two_hundred_sockets_get_a_change_a_second_and_leave_nothing_behind(
    settings: Settings, own_database_url: str
) -> None:
    own = replace(settings, database_url=own_database_url)
    admin, link = await _admin_and_link(own)
    async with serve_live(own) as live:
        # Warm up (the listener, the caches), then count what the sockets hold.
        await _round(live, 2, 2, link, admin)
        before = _ours()
        held = await _round(live, SOCKETS, SECONDS, link, admin)
        await live.subscribed(0)
        after = _ours()
    # One subscription each, all served by one run of the document.
    assert (held[Member], held[Group], held[Subscriber]) == (SOCKETS, 1, 1)
    # Nothing of theirs is left (objects of earlier tests may have gone meanwhile).
    assert all(after[kind] <= before[kind] for kind in after), (before, held, after)


def _ours() -> Counter[type]:
    """The objects a subscription is made of that are alive now (after a collection)."""
    gc.collect()
    kinds = (Member, Group, Subscriber, LiveEvent, Context, WebSocket)
    return Counter(type(o) for o in gc.get_objects() if type(o) in kinds)


async def _round(
    live: LiveApp, sockets: int, changes: int, link: dict[str, str], admin: dict[str, str]
) -> Counter[type]:
    """Open the sockets, send a change a second, check every socket got every event."""
    async with AsyncExitStack() as stack:
        opened = [await stack.enter_async_context(live.socket()) for _ in range(sockets)]
        for socket in opened:
            await socket.subscribe(ROSTER, {"id": link["c"]})
        await live.subscribed(sockets)
        expected = []
        for i in range(changes):
            started = time.monotonic()
            await live.client.query(WITHDRAW if i % 2 else ENROLL, link, **admin)
            expected.append("REMOVED" if i % 2 else "ADDED")
            await asyncio.sleep(max(0.0, 1 - (time.monotonic() - started)))
        for socket in opened:
            got = [e["courseRosterChanged"]["change"] for e in await socket.events(changes)]
            assert got == expected
        held = _ours()
    return held


# ---------------------------------------------------------------- slow consumer

QUEUE = 10


async def test_a_consumer_that_falls_behind_is_closed_and_the_others_are_not(
    settings: Settings, own_database_url: str
) -> None:
    own = replace(settings, database_url=own_database_url, subscription_queue=QUEUE)
    admin, link = await _admin_and_link(own)
    stall = Stall()
    async with (
        serve_live(own, wrap=stall) as live,
        live.socket(None, **{"x-stall": "1"}) as slow,
        live.socket() as fast,
    ):
        for socket in (slow, fast):
            await socket.subscribe(ROSTER, {"id": link["c"]})
        await live.subscribed(2)
        changes = 3 * QUEUE
        for i in range(changes):
            await live.client.query(WITHDRAW if i % 2 else ENROLL, link, **admin)
            [event] = await fast.events(1)  # the fast one keeps up, one change at a time
            assert event["courseRosterChanged"]["change"] == ("REMOVED" if i % 2 else "ADDED")
        with pytest.raises(WebSocketDisconnect) as closed:
            await slow.events(changes)
        await fast.silent()
        assert live.serving == 1  # the slow one was cut off, the fast one was not
    assert closed.value.code == 4008
    assert "Too slow" in closed.value.reason
