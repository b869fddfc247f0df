"""Writers racing each other through real concurrent requests, on a database of their own.

These cannot run inside a test's rolled-back transaction: each request must
commit on its own connection, as in production.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from server.db.models import Course, Follow, Student, User, registrations
from tests.people import add_user, bearer
from tests.rows import add_course, add_student, add_teacher, register, registered
from tests.support import App, gid

ENROLL = """
mutation($input: EnrollmentInput!) {
  enrollStudent(input: $input) { changed student { courses { totalCount } } userErrors { code } }
}
"""
FOLLOW = """
mutation($userId: ID!) {
  follow(input: {userId: $userId}) { changed followed { username } userErrors { code } }
}
"""


async def _seed(app: App, *, courses: int = 1) -> tuple[dict[str, str], int, list[int]]:
    """An admin's headers, a student and some courses, committed."""
    async with app.database.engine.begin() as connection:
        admin = await add_user(connection, "admin", is_admin=True)
        student = await add_student(connection)
        course_ids = [await add_course(connection, f"C{i}") for i in range(courses)]
    return bearer(app.settings, admin), student, course_ids


async def test_twenty_identical_enrollments_leave_one_registration(app: App) -> None:
    headers, student, [course] = await _seed(app)
    variables = {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}

    results = await app.all(ENROLL, [variables] * 20, **headers)

    payloads = [r["enrollStudent"] for r in results]
    assert Counter(p["changed"] for p in payloads) == {True: 1, False: 19}
    assert all(p["userErrors"] == [] for p in payloads)
    assert all(p["student"]["courses"]["totalCount"] == 1 for p in payloads)
    assert await app.count(select(func.count()).select_from(registrations)) == 1
    assert await app.drifts() == []


async def test_twenty_enrollments_in_different_courses_lose_none(app: App) -> None:
    headers, student, courses = await _seed(app, courses=20)
    variables = [
        {"input": {"studentId": gid("Student", student), "courseId": gid("Course", c)}}
        for c in courses
    ]

    results = await app.all(ENROLL, variables, **headers)

    assert all(r["enrollStudent"]["changed"] for r in results)
    totals = sorted(r["enrollStudent"]["student"]["courses"]["totalCount"] for r in results)
    assert totals[-1] == 20
    assert await app.count(select(func.count()).select_from(registrations)) == 20
    assert await app.drifts() == []


async def test_fifty_users_following_one_at_once_make_fifty_follows(app: App) -> None:
    async with app.database.engine.begin() as connection:
        target = await add_user(connection, "target")
        followers = [await add_user(connection, f"fan_{i:02d}") for i in range(50)]

    results = await asyncio.gather(
        *(
            app.client.query(FOLLOW, {"userId": gid("User", target)}, **bearer(app.settings, f))
            for f in followers
        )
    )

    assert all(
        r["follow"] == {"changed": True, "followed": {"username": "target"}, "userErrors": []}
        for r in results
    )
    count = select(func.count()).select_from(Follow).where(Follow.followed_id == target)
    assert await app.count(count) == 50
    assert await app.drifts() == []


async def test_users_following_each_other_at_once_never_deadlock(app: App) -> None:
    """A follows B while B follows A: each locks itself and touches the other."""
    async with app.database.engine.begin() as connection:
        users = [await add_user(connection, f"peer_{i}") for i in range(8)]

    results = await asyncio.gather(
        *(
            app.client.query(FOLLOW, {"userId": gid("User", b)}, **bearer(app.settings, a))
            for a in users
            for b in users
            if a != b
        )
    )

    assert all(r["follow"]["changed"] and r["follow"]["userErrors"] == [] for r in results)
    assert await app.count(select(func.count()).select_from(Follow)) == 8 * 7
    assert await app.drifts() == []


async def test_one_user_following_twenty_times_at_once_follows_once(app: App) -> None:
    async with app.database.engine.begin() as connection:
        target = await add_user(connection, "target")
        fan = await add_user(connection, "fan")

    results = await app.all(
        FOLLOW, [{"userId": gid("User", target)}] * 20, **bearer(app.settings, fan)
    )

    assert Counter(r["follow"]["changed"] for r in results) == {True: 1, False: 19}
    assert await app.count(select(func.count()).select_from(Follow)) == 1
    assert await app.drifts() == []


async def test_rival_sign_ups_of_one_username_give_one_account(app: App) -> None:
    document = """
    mutation { signUp(input: {username: "grace", password: "correct horse"}) {
      user { username } userErrors { field code } } }
    """

    results = await app.all(document, [{}] * 10)

    outcomes = Counter(
        "ok" if r["signUp"]["user"] else r["signUp"]["userErrors"][0]["code"] for r in results
    )
    assert outcomes == {"ok": 1, "CONFLICT": 9}
    assert await app.count(select(func.count()).select_from(User)) == 1
    assert await app.drifts() == []


async def test_rival_course_codes_give_one_course(app: App) -> None:
    headers, _, _ = await _seed(app, courses=0)
    document = """
    mutation { createCourse(input: {code: "SAME", title: "t"}) {
      course { code } userErrors { field code } } }
    """

    results = await app.all(document, [{}] * 10, **headers)

    outcomes = Counter(
        "ok" if r["createCourse"]["course"] else r["createCourse"]["userErrors"][0]["code"]
        for r in results
    )
    assert outcomes == {"ok": 1, "CONFLICT": 9}
    assert await app.count(select(func.count()).select_from(Course)) == 1
    assert await app.drifts() == []


async def test_twenty_identical_withdrawals_remove_one_registration(app: App) -> None:
    headers, student, [course] = await _seed(app)
    async with app.database.engine.begin() as connection:
        await register(connection, student, course)
    variables = {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}
    withdraw = ENROLL.replace("enrollStudent", "withdrawStudent")

    results = await app.all(withdraw, [variables] * 20, **headers)

    assert Counter(r["withdrawStudent"]["changed"] for r in results) == {True: 1, False: 19}
    assert await app.count(select(func.count()).select_from(registrations)) == 0
    assert await app.drifts() == []


async def test_rival_replacements_leave_exactly_one_of_them(app: App) -> None:
    headers, student, courses = await _seed(app, courses=12)
    sets = [courses[i : i + 3] for i in range(0, 12, 3)] * 3
    document = """
    mutation($input: SetStudentCoursesInput!) {
      setStudentCourses(input: $input) { student { name } userErrors { code } }
    }
    """
    student_id = gid("Student", student)
    variables = [
        {"input": {"studentId": student_id, "courseIds": [gid("Course", c) for c in s]}}
        for s in sets
    ]

    results = await app.all(document, variables, **headers)

    assert all(r["setStudentCourses"]["userErrors"] == [] for r in results)
    async with app.database.engine.connect() as connection:
        assert await registered(connection, student) in [sorted(s) for s in sets]
    assert await app.drifts() == []


async def test_rival_links_to_one_user_give_one_link(app: App) -> None:
    headers, _, _ = await _seed(app, courses=0)
    async with app.database.engine.begin() as connection:
        user = await add_user(connection, "grace")
        students = [await add_student(connection, f"S{i}") for i in range(10)]
    document = """
    mutation($input: LinkStudentUserInput!) {
      linkStudentUser(input: $input) { student { name } userErrors { field code } }
    }
    """
    variables = [
        {"input": {"studentId": gid("Student", s), "userId": gid("User", user)}} for s in students
    ]

    results = await app.all(document, variables, **headers)

    outcomes = Counter(
        "ok" if r["linkStudentUser"]["student"] else r["linkStudentUser"]["userErrors"][0]["code"]
        for r in results
    )
    assert outcomes == {"ok": 1, "CONFLICT": 9}
    linked = select(func.count()).select_from(Student).where(Student.user_id == user)
    assert await app.count(linked) == 1
    assert await app.drifts() == []


async def test_rival_teacher_assignments_leave_one_teacher(app: App) -> None:
    headers, _, [course] = await _seed(app)
    async with app.database.engine.begin() as connection:
        teachers = [await add_teacher(connection, f"T{i}") for i in range(10)]
    document = """
    mutation($input: AssignTeacherInput!) {
      assignTeacher(input: $input) { course { teacher { name } } userErrors { code } }
    }
    """
    variables = [
        {"input": {"courseId": gid("Course", course), "teacherId": gid("Teacher", t)}}
        for t in teachers
    ]

    results = await app.all(document, variables, **headers)

    assert all(r["assignTeacher"]["userErrors"] == [] for r in results)
    teacher = select(Course.teacher_id).where(Course.id == course)
    async with app.database.engine.connect() as connection:
        assert await connection.scalar(teacher) in teachers
    assert await app.drifts() == []


async def test_twenty_identical_unfollows_delete_one_follow(app: App) -> None:
    async with app.database.engine.begin() as connection:
        target = await add_user(connection, "target")
        fan = await add_user(connection, "fan")
    headers = bearer(app.settings, fan)
    await app.client.query(FOLLOW, {"userId": gid("User", target)}, **headers)
    unfollow = FOLLOW.replace("follow(", "unfollow(")

    results = await app.all(unfollow, [{"userId": gid("User", target)}] * 20, **headers)

    assert Counter(r["unfollow"]["changed"] for r in results) == {True: 1, False: 19}
    assert await app.count(select(func.count()).select_from(Follow)) == 0
    assert await app.drifts() == []


@pytest.mark.postgres_only
async def test_a_write_picked_to_end_a_deadlock_runs_again(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A rival holds B and then wants A while the follow holds A and waits for B."""
    if app.database.is_sqlite:
        pytest.skip("SQLite serialises every writer: there is no deadlock to end")
    async with app.database.engine.begin() as connection:
        a = await add_user(connection, "first")
        b = await add_user(connection, "second")
    caplog.set_level(logging.INFO, logger="schema.common.writing")

    async with app.database.engine.connect() as rival:
        await rival.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": b})
        following = asyncio.create_task(
            app.client.query(FOLLOW, {"userId": gid("User", b)}, **bearer(app.settings, a))
        )
        await _until_one_waits_for_a_lock(app)
        # Waits for A's row; PostgreSQL ends the follow, which waited first, a second later.
        await rival.execute(text("UPDATE users SET display_name = 'A' WHERE id = :id"), {"id": a})
        await rival.rollback()
        result = await following

    assert result["follow"]["changed"] is True
    assert result["follow"]["userErrors"] == []
    assert [r.getMessage() for r in caplog.records if r.name == "schema.common.writing"] == [
        "Writing again (attempt 2): deadlock detected"
    ]
    assert await app.count(select(func.count()).select_from(Follow)) == 1
    assert await app.drifts() == []


async def _until_one_waits_for_a_lock(app: App) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        if await app.count(waiting):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the follow never waited for the rival's lock")
