"""Subscriptions end to end: a real socket, real commits, every field's events (SPEC §10)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select

from server.config import Settings
from server.db.models import Follow
from tests.faults import failing_write
from tests.live.sockets import LiveApp, link, seed_cast, serve_live
from tests.people import bearer
from tests.rows import register
from tests.support import gid

ROSTER = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
  change studentId courseId at
  student { name courses { totalCount nodes { code } } }
  course { code students(first: 5) { nodes { name } } } } }"""
STUDENT = """subscription ($id: ID!) { studentCoursesChanged(studentId: $id) {
  change courseId student { name } course { code } } }"""
FOLLOWS = """subscription ($id: ID!) { followsChanged(userId: $id) {
  change followerId followedId at
  follower { username following { edges { followedAt node { username } } } }
  followed { username } } }"""
FEED = """subscription { feedArticleAdded { title author { username } } }"""

ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed userErrors { code } } }"""
WITHDRAW = """mutation ($s: ID!, $c: ID!) { withdrawStudent(input: {studentId: $s, courseId: $c}) {
  changed userErrors { code } } }"""
SET = """mutation ($s: ID!, $cs: [ID!]!) {
  setStudentCourses(input: {studentId: $s, courseIds: $cs}) { userErrors { code } } }"""
DELETE_STUDENT = """mutation ($id: ID!) {
  deleteStudent(input: {id: $id}) { userErrors { code } } }"""
FOLLOW = """mutation ($id: ID!) { follow(input: {userId: $id}) { changed userErrors { code } } }"""
UNFOLLOW = """mutation ($id: ID!) {
  unfollow(input: {userId: $id}) { changed userErrors { code } } }"""
WRITE = """mutation ($t: String!) { createArticle(input: {title: $t, body: "..."}) {
  article { id } userErrors { code } } }"""


@dataclass
class World:
    live: LiveApp
    admin: dict[str, str]
    ann: int
    ben: int
    cal: int
    students: list[int]
    courses: list[int]

    def token(self, user: int) -> dict[str, str]:
        return bearer(self.live.settings, user)

    async def run(self, query: str, variables: dict[str, Any], who: dict[str, str]) -> Any:
        data = await self.live.client.query(query, variables, **who)
        [payload] = data.values()
        assert payload["userErrors"] == [], payload
        return payload


@pytest.fixture
async def world(settings: Settings, own_database_url: str) -> AsyncIterator[World]:
    own = replace(settings, database_url=own_database_url)
    cast = await seed_cast(own, courses=4)
    async with serve_live(own) as live:
        yield World(live, bearer(own, cast.admin), *cast.users, cast.students, cast.courses)


async def test_course_roster_gets_added_and_removed_with_nested_objects(world: World) -> None:
    [s0, s1, _] = world.students
    course = world.courses[0]
    async with world.live.socket() as socket:
        await socket.subscribe(ROSTER, {"id": gid("Course", course)})
        await world.live.subscribed(1)
        await world.run(ENROLL, link(s0, course), world.admin)
        await world.run(ENROLL, link(s1, course), world.admin)
        await world.run(WITHDRAW, link(s0, course), world.admin)
        first, second, third = [e["courseRosterChanged"] for e in await socket.events(3)]
        await socket.silent()
    assert (first["change"], first["studentId"]) == ("ADDED", gid("Student", s0))
    assert first["courseId"] == gid("Course", course)
    assert first["student"]["name"] == "Student 0"
    assert (second["change"], second["studentId"]) == ("ADDED", gid("Student", s1))
    assert (third["change"], third["studentId"]) == ("REMOVED", gid("Student", s0))
    assert third["student"] == {"name": "Student 0", "courses": {"totalCount": 0, "nodes": []}}
    assert third["course"] == {"code": "C0", "students": {"nodes": [{"name": "Student 1"}]}}
    assert first["at"] < second["at"] < third["at"]
    await world.live.subscribed(0)  # the socket's end frees its subscriber


async def test_set_student_courses_adding_two_and_removing_one_sends_three_events(
    world: World,
) -> None:
    student = world.students[0]
    c0, c1, c2, _ = world.courses
    await world.run(SET, {"s": gid("Student", student), "cs": [gid("Course", c0)]}, world.admin)
    async with world.live.socket() as socket:
        await socket.subscribe(STUDENT, {"id": gid("Student", student)})
        await world.live.subscribed(1)
        courses = [gid("Course", c1), gid("Course", c2)]
        await world.run(SET, {"s": gid("Student", student), "cs": courses}, world.admin)
        events = [e["studentCoursesChanged"] for e in await socket.events(3)]
        await socket.silent()
    assert sorted((e["change"], e["course"]["code"]) for e in events) == [
        ("ADDED", "C1"),
        ("ADDED", "C2"),
        ("REMOVED", "C0"),
    ]
    assert {e["student"]["name"] for e in events} == {"Student 0"}


async def test_deleting_a_student_sends_one_removed_per_registration(world: World) -> None:
    student = world.students[1]
    async with world.live.database.engine.begin() as conn:
        await register(conn, student, *world.courses[:3])
    async with world.live.socket() as socket:
        await socket.subscribe(STUDENT, {"id": gid("Student", student)})
        await world.live.subscribed(1)
        await world.run(DELETE_STUDENT, {"id": gid("Student", student)}, world.admin)
        events = [e["studentCoursesChanged"] for e in await socket.events(3)]
        await socket.silent()
    assert [(e["change"], e["course"]["code"], e["student"]) for e in events] == [
        ("REMOVED", "C0", None),
        ("REMOVED", "C1", None),
        ("REMOVED", "C2", None),
    ]


async def test_follows_changed_from_and_to_the_user(world: World) -> None:
    ann, ben, cal = world.ann, world.ben, world.cal
    async with world.live.socket() as socket:
        await socket.subscribe(FOLLOWS, {"id": gid("User", ann)})
        await world.live.subscribed(1)
        await world.run(FOLLOW, {"id": gid("User", ben)}, world.token(ann))
        await world.run(FOLLOW, {"id": gid("User", ann)}, world.token(cal))
        await world.run(FOLLOW, {"id": gid("User", cal)}, world.token(ben))  # not ann's
        await world.run(UNFOLLOW, {"id": gid("User", ben)}, world.token(ann))
        started, followed_by, ended = [e["followsChanged"] for e in await socket.events(3)]
        await socket.silent()
    assert (started["change"], started["followerId"], started["followedId"]) == (
        "ADDED",
        gid("User", ann),
        gid("User", ben),
    )
    assert started["followed"] == {"username": "ben"}
    async with world.live.database.engine.connect() as conn:
        followed_at = await conn.scalar(
            select(Follow.created_at).where(Follow.follower_id == cal, Follow.followed_id == ann)
        )
    assert followed_at is not None
    assert followed_by["at"] == followed_at.isoformat().replace("+00:00", "Z")
    assert followed_by["follower"]["following"]["edges"][0]["node"] == {"username": "ann"}
    assert (ended["change"], ended["followedId"]) == ("REMOVED", gid("User", ben))


async def test_feed_gets_only_articles_of_followed_authors_as_follows_change(
    world: World,
) -> None:
    ann, ben, cal = world.ann, world.ben, world.cal
    await world.run(FOLLOW, {"id": gid("User", ben)}, world.token(ann))
    async with world.live.socket({"Authorization": world.token(ann)["Authorization"]}) as socket:
        await socket.subscribe(FEED)
        await world.live.subscribed(1)
        await world.run(WRITE, {"t": "by ben"}, world.token(ben))
        await world.run(WRITE, {"t": "by cal, not followed yet"}, world.token(cal))
        await world.run(WRITE, {"t": "by ann herself"}, world.token(ann))
        await world.run(FOLLOW, {"id": gid("User", cal)}, world.token(ann))
        await world.run(WRITE, {"t": "by cal"}, world.token(cal))
        await world.run(UNFOLLOW, {"id": gid("User", ben)}, world.token(ann))
        await world.run(WRITE, {"t": "by ben, unfollowed"}, world.token(ben))
        await world.run(WRITE, {"t": "by cal again"}, world.token(cal))
        events = [e["feedArticleAdded"] for e in await socket.events(3)]
        await socket.silent()
    assert events == [
        {"title": "by ben", "author": {"username": "ben"}},
        {"title": "by cal", "author": {"username": "cal"}},
        {"title": "by cal again", "author": {"username": "cal"}},
    ]


async def test_no_event_for_a_no_op_a_refused_change_or_a_rolled_back_one(world: World) -> None:
    [s0, s1, _] = world.students
    course = world.courses[0]
    await world.run(ENROLL, link(s0, course), world.admin)
    async with world.live.socket() as socket:
        await socket.subscribe(ROSTER, {"id": gid("Course", course)})
        await world.live.subscribed(1)
        again = await world.run(ENROLL, link(s0, course), world.admin)
        assert again["changed"] is False
        missing = gid("Course", 999_999)
        refused = await world.live.client.query(
            SET, {"s": gid("Student", s0), "cs": [missing]}, **world.admin
        )
        assert refused["setStudentCourses"]["userErrors"] == [{"code": "NOT_FOUND"}]
        with failing_write(world.live.database.engine, nth=1):
            body = await world.live.client.execute(ENROLL, link(s1, course), **world.admin)
        assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        # What does commit comes through, and alone.
        await world.run(WITHDRAW, link(s0, course), world.admin)
        [event] = await socket.events(1)
        await socket.silent()
    assert event["courseRosterChanged"]["change"] == "REMOVED"
    assert event["courseRosterChanged"]["studentId"] == gid("Student", s0)


async def test_events_of_a_topic_arrive_in_commit_order(world: World) -> None:
    student, course = world.students[2], world.courses[3]
    async with world.live.socket() as socket:
        await socket.subscribe(STUDENT, {"id": gid("Student", student)})
        await world.live.subscribed(1)
        for i in range(50):
            await world.run(WITHDRAW if i % 2 else ENROLL, link(student, course), world.admin)
        changes = [e["studentCoursesChanged"]["change"] for e in await socket.events(50)]
        await socket.silent()
    assert changes == ["ADDED", "REMOVED"] * 25
