"""A row a mutation points at, deleted by a rival transaction mid-way: a user error, never a crash.

On PostgreSQL, a mutation that has read a course (or user, or teacher) and
then writes a row referencing it would otherwise fail on the foreign key, or
find its delete already done, when a rival delete commits in between. The
rival here deletes with plain SQL on a connection of its own and commits
only once the request waits for it. On SQLite the write lock taken at BEGIN
rules the race out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text

from server.db.engine import Database
from server.db.models import Course, Follow, Teacher, User, registrations, utcnow
from tests.people import add_user, bearer
from tests.rows import add_course, add_student, add_teacher, register, registered
from tests.support import App, gid


@dataclass(frozen=True)
class World:
    admin: int
    fan: int
    student: int
    course: int  # the student is not registered for it
    registered: int  # the student is
    other_course: int
    teacher: int
    star: int  # the fan follows it
    idol: int  # the fan does not


@dataclass(frozen=True)
class Race:
    document: str
    variables: Any  # World -> variables
    victim: str  # the World field naming the row the rival deletes
    as_admin: bool
    expected: dict[str, Any]


def _payload(field: str, body: str) -> str:
    return (
        f"mutation($input: {body}) {{ {field}(input: $input) {{ userErrors {{ field code }} }} }}"
    )


def _not_found(*path: str) -> dict[str, Any]:
    return {"userErrors": [{"field": ["input", *path], "code": "NOT_FOUND"}]}


def _link(student: int, course: int) -> dict[str, Any]:
    return {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}


RACES = {
    "enroll": Race(
        _payload("enrollStudent", "EnrollmentInput!"),
        lambda w: _link(w.student, w.course),
        "course",
        True,
        _not_found("courseId"),
    ),
    "withdraw": Race(
        _payload("withdrawStudent", "EnrollmentInput!"),
        lambda w: _link(w.student, w.registered),
        "registered",
        True,
        _not_found("courseId"),
    ),
    "set courses, adding it": Race(
        _payload("setStudentCourses", "SetStudentCoursesInput!"),
        lambda w: {
            "input": {
                "studentId": gid("Student", w.student),
                "courseIds": [gid("Course", w.course)],
            }
        },
        "course",
        True,
        _not_found("courseIds", "0"),
    ),
    "set courses, dropping it": Race(
        _payload("setStudentCourses", "SetStudentCoursesInput!"),
        lambda w: {
            "input": {
                "studentId": gid("Student", w.student),
                "courseIds": [gid("Course", w.other_course)],
            }
        },
        "registered",
        True,
        {"userErrors": []},
    ),
    "create student": Race(
        _payload("createStudent", "CreateStudentInput!"),
        lambda w: {"input": {"name": "Ann", "courseIds": [gid("Course", w.course)]}},
        "course",
        True,
        _not_found("courseIds", "0"),
    ),
    "follow": Race(
        "mutation($id: ID!) { follow(input: {userId: $id}) { userErrors { field code } } }",
        lambda w: {"id": gid("User", w.idol)},
        "idol",
        False,
        _not_found("userId"),
    ),
    "unfollow": Race(
        "mutation($id: ID!) { unfollow(input: {userId: $id}) { userErrors { field code } } }",
        lambda w: {"id": gid("User", w.star)},
        "star",
        False,
        _not_found("userId"),
    ),
    "assign teacher": Race(
        _payload("assignTeacher", "AssignTeacherInput!"),
        lambda w: {
            "input": {
                "courseId": gid("Course", w.other_course),
                "teacherId": gid("Teacher", w.teacher),
            }
        },
        "teacher",
        True,
        _not_found("teacherId"),
    ),
    "create course": Race(
        _payload("createCourse", "CreateCourseInput!"),
        lambda w: {"input": {"code": "NEW", "title": "t", "teacherId": gid("Teacher", w.teacher)}},
        "teacher",
        True,
        _not_found("teacherId"),
    ),
    "create article": Race(
        _payload("createArticle", "CreateArticleInput!"),
        lambda w: {"input": {"title": "t", "body": "b"}},
        "fan",
        False,
        {"userErrors": [{"field": None, "code": "NOT_FOUND"}]},
    ),
}


_MODELS: dict[str, type[Course | User | Teacher]] = {
    "course": Course,
    "registered": Course,
    "fan": User,
    "star": User,
    "idol": User,
    "teacher": Teacher,
}


async def _world(app: App) -> World:
    """The student is registered for one course; the fan follows the star."""
    async with app.database.engine.begin() as connection:
        admin = await add_user(connection, "admin", is_admin=True)
        fan = await add_user(connection, "fan")
        star, idol = await add_user(connection, "star"), await add_user(connection, "idol")
        student = await add_student(connection)
        course, kept, other = [await add_course(connection, code) for code in ("C1", "C2", "C3")]
        await register(connection, student, kept)
        await connection.execute(
            insert(Follow).values(follower_id=fan, followed_id=star, created_at=utcnow())
        )
        teacher = await add_teacher(connection)
    return World(
        admin=admin,
        fan=fan,
        student=student,
        course=course,
        registered=kept,
        other_course=other,
        teacher=teacher,
        star=star,
        idol=idol,
    )


async def _waiting_for_a_lock(app: App) -> None:
    """Until some session of the database waits for a row lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with asyncio.timeout(10):
        while True:
            # A transaction per look: PostgreSQL shows one transaction one view of the activity.
            async with app.database.engine.connect() as connection:
                if await connection.scalar(waiting):
                    return
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("name", list(RACES))
async def test_a_row_deleted_by_a_rival_is_not_found(app: App, name: str) -> None:
    if app.database.is_sqlite:
        pytest.skip("SQLite's write lock at BEGIN serializes the rival delete with the mutation")
    race = RACES[name]
    world = await _world(app)
    model = _MODELS[race.victim]
    victim = delete(model).where(model.id == getattr(world, race.victim))
    headers = bearer(app.settings, world.admin if race.as_admin else world.fan)

    rivals = Database(app.settings)
    async with rivals.engine.connect() as rival:
        await rival.execute(victim)
        request = asyncio.create_task(
            app.client.execute(race.document, race.variables(world), **headers)
        )
        await _waiting_for_a_lock(app)
        await rival.commit()
        body = await request
    await rivals.dispose()

    assert "errors" not in body, body["errors"]
    [payload] = body["data"].values()
    assert payload == race.expected
    if name == "set courses, dropping it":
        async with app.database.engine.connect() as connection:
            assert await registered(connection, world.student) == [world.other_course]
            count = select(func.count()).select_from(registrations)
            assert await connection.scalar(count) == 1
