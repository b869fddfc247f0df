"""Subscriptions that would get the same messages share one run of their document."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from server.config import Settings
from server.live import Subscriber
from server.live.fanout import Group
from tests.live.sockets import LiveApp, serve_live
from tests.people import add_user, bearer
from tests.rows import add_course, add_student
from tests.support import gid

ROSTER = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
  change student { name courses { totalCount } } } }"""
ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""


@pytest.fixture
async def live(settings: Settings, own_database_url: str) -> AsyncIterator[LiveApp]:
    async with serve_live(replace(settings, database_url=own_database_url)) as live:
        yield live


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


async def test_one_run_per_document_variables_and_rights_each_message_under_its_own_id(
    live: LiveApp,
) -> None:
    async with live.database.engine.begin() as conn:
        admin = bearer(live.settings, await add_user(conn, "admin", is_admin=True))
        course, other = [gid("Course", await add_course(conn, code)) for code in ("C1", "C2")]
        students = [gid("Student", await add_student(conn, name)) for name in ("Sam", "Kim")]
    groups, subscribers = _alive(Group), _alive(Subscriber)
    async with (
        live.socket() as second,
        live.socket({"Authorization": admin["Authorization"]}) as signed_in,
        live.socket() as elsewhere,
    ):
        async with live.socket() as first:
            await first.subscribe(ROSTER, {"id": course})
            for socket in (second, second, signed_in):
                await socket.subscribe(ROSTER, {"id": course})
            await elsewhere.subscribe(ROSTER, {"id": other})
            await live.subscribed(5)
            # Anonymous viewers of C1, an admin of C1, anyone of C2.
            assert (_alive(Group) - groups, _alive(Subscriber) - subscribers) == (3, 3)
            await live.client.query(ENROLL, {"s": students[0], "c": course}, **admin)
            got = [await first.next_data(), *[await second.next_data() for _ in range(2)]]
            got.append(await signed_in.next_data())
            await elsewhere.silent()
        assert sorted(operation for operation, _ in got) == ["1", "1", "1", "2"]
        assert len({str(data) for _, data in got}) == 1
        # The run goes on without the socket that started it.
        await live.subscribed(4)
        await live.client.query(ENROLL, {"s": students[1], "c": course}, **admin)
        later = [await second.next_data() for _ in range(2)] + [await signed_in.next_data()]
    assert [data["courseRosterChanged"]["student"]["name"] for _, data in later] == ["Kim"] * 3
    await live.subscribed(0)
    assert (_alive(Group), _alive(Subscriber)) == (groups, subscribers)
