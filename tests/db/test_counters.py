"""The kept columns (counters, copied names): every write path keeps each equal to its truth.

Each test writes through the app, as a client would, then reads every kept
column back next to the value it describes (``server.db.counters``); the
triggers that keep them run in the same transaction as the write.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db import counters
from server.db.engine import Database
from server.db.models import Article, Course, Student, Teacher, User
from server.seeding.seed import seed
from tests.people import People
from tests.rows import add_course, add_student, add_teacher, register
from tests.support import GraphQLClient, gid, load_dataset

LINK = """mutation($input: EnrollmentInput!) {
  %s(input: $input) { changed userErrors { code } } }"""
SET_COURSES = """mutation($input: SetStudentCoursesInput!) {
  setStudentCourses(input: $input) { student { id } userErrors { code } } }"""
ASSIGN = """mutation($input: AssignTeacherInput!) {
  assignTeacher(input: $input) { course { id } userErrors { code } } }"""
RENAME = """mutation($input: UpdateTeacherInput!) {
  updateTeacher(input: $input) { teacher { name } userErrors { code } } }"""
FOLLOW = """mutation($userId: ID!) {
  %s(input: {userId: $userId}) { changed userErrors { code } } }"""
WRITE = """mutation($title: String!) {
  createArticle(input: {title: $title, body: "b"}) { article { id } userErrors { code } } }"""
DELETE = """mutation($input: DeleteInput!) {
  %s(input: $input) { deletedId userErrors { code } } }"""


async def _agree(connection: AsyncConnection) -> None:
    assert await counters.drifts(connection) == []


async def _row(connection: AsyncConnection, *columns: Any) -> Row[Any]:
    """The kept columns named, of the row whose id the last argument is."""
    *kept, pk = columns
    model = kept[0].class_
    return (await connection.execute(select(*kept).where(model.id == pk))).one()


async def _ok(
    client: GraphQLClient, document: str, variables: dict[str, Any], **headers: str
) -> Any:
    data = await client.query(document, variables, **headers)
    [payload] = data.values()
    assert payload["userErrors"] == [], payload
    return payload


def _enrollment(student: int, course: int) -> dict[str, Any]:
    return {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}


async def test_enrollments_keep_both_sides_counts(
    client: GraphQLClient, people: People, connection: AsyncConnection
) -> None:
    admin = people.admin.headers
    sam, ada = await add_student(connection, "Sam"), await add_student(connection, "Ada")
    c1, c2, c3 = [await add_course(connection, f"C{i}") for i in range(3)]
    await _agree(connection)

    await _ok(client, LINK % "enrollStudent", _enrollment(sam, c1), **admin)
    await _ok(client, LINK % "enrollStudent", _enrollment(sam, c1), **admin)  # no change
    await _ok(client, LINK % "enrollStudent", _enrollment(ada, c1), **admin)
    await _ok(client, LINK % "enrollStudent", _enrollment(sam, c2), **admin)
    await _agree(connection)
    assert await _row(connection, Student.course_count, sam) == (2,)
    assert await _row(connection, Course.student_count, c1) == (2,)

    await _ok(client, LINK % "withdrawStudent", _enrollment(sam, c1), **admin)
    await _ok(client, LINK % "withdrawStudent", _enrollment(sam, c1), **admin)  # no change
    await _agree(connection)
    assert await _row(connection, Course.student_count, c1) == (1,)

    courses = [gid("Course", c) for c in (c3, c1, c3)]
    await _ok(
        client,
        SET_COURSES,
        {"input": {"studentId": gid("Student", sam), "courseIds": courses}},
        **admin,
    )
    await _agree(connection)
    assert await _row(connection, Student.course_count, sam) == (2,)
    assert await _row(connection, Course.student_count, c2) == (0,)
    await _ok(
        client, SET_COURSES, {"input": {"studentId": gid("Student", sam), "courseIds": []}}, **admin
    )
    await _agree(connection)
    assert await _row(connection, Student.course_count, sam) == (0,)


async def test_deleting_a_student_or_a_course_uncounts_its_registrations(
    client: GraphQLClient, people: People, connection: AsyncConnection
) -> None:
    admin = people.admin.headers
    students = [await add_student(connection, f"S{i}") for i in range(3)]
    courses = [await add_course(connection, f"C{i}") for i in range(3)]
    for student in students:
        await register(connection, student, *courses)
    await _agree(connection)

    await _ok(
        client, DELETE % "deleteStudent", {"input": {"id": gid("Student", students[0])}}, **admin
    )
    await _agree(connection)
    assert await _row(connection, Course.student_count, courses[0]) == (2,)

    await _ok(
        client, DELETE % "deleteCourse", {"input": {"id": gid("Course", courses[0])}}, **admin
    )
    await _agree(connection)
    assert await _row(connection, Student.course_count, students[1]) == (2,)


async def test_assigning_renaming_and_deleting_teachers_keep_counts_and_names(
    client: GraphQLClient, people: People, connection: AsyncConnection
) -> None:
    admin = people.admin.headers
    ada, bob = await add_teacher(connection, "Ada"), await add_teacher(connection, "Bob")
    taught = await add_course(connection, "T1", teacher_id=ada)
    alone = await add_course(connection, "T2")
    await _agree(connection)
    assert await _row(connection, Course.teacher_name, taught) == ("Ada",)

    def assign(course: int, teacher: int | None) -> dict[str, Any]:
        teacher_id = None if teacher is None else gid("Teacher", teacher)
        return {"input": {"courseId": gid("Course", course), "teacherId": teacher_id}}

    await _ok(client, ASSIGN, assign(alone, ada), **admin)
    await _agree(connection)
    assert await _row(connection, Teacher.course_count, ada) == (2,)
    await _ok(client, ASSIGN, assign(taught, bob), **admin)  # moved between teachers
    await _agree(connection)
    assert await _row(connection, Course.teacher_name, Course.student_count, taught) == ("Bob", 0)
    assert await _row(connection, Teacher.course_count, ada) == (1,)
    await _ok(client, ASSIGN, assign(alone, None), **admin)  # cleared
    await _agree(connection)
    assert await _row(connection, Course.teacher_name, alone) == (None,)

    rename = {"input": {"id": gid("Teacher", bob), "name": "Robert"}}
    await _ok(client, RENAME, rename, **admin)
    await _agree(connection)
    assert await _row(connection, Course.teacher_name, taught) == ("Robert",)

    await _ok(client, DELETE % "deleteTeacher", {"input": {"id": gid("Teacher", bob)}}, **admin)
    await _agree(connection)  # SET NULL on the course: no name any more
    assert await _row(connection, Course.teacher_name, taught) == (None,)


async def test_follows_articles_and_deleted_users_keep_user_counts(
    client: GraphQLClient, people: People, connection: AsyncConnection
) -> None:
    alice, bob, admin = people.alice, people.bob, people.admin

    await _ok(client, FOLLOW % "follow", {"userId": bob.gid}, **alice.headers)
    await _ok(client, FOLLOW % "follow", {"userId": bob.gid}, **alice.headers)  # no change
    await _ok(client, FOLLOW % "follow", {"userId": alice.gid}, **bob.headers)
    await _ok(client, FOLLOW % "follow", {"userId": bob.gid}, **admin.headers)
    await _ok(client, FOLLOW % "follow", {"userId": admin.gid}, **bob.headers)
    await _agree(connection)
    assert await _row(connection, User.follower_count, User.following_count, bob.id) == (2, 2)

    await _ok(client, FOLLOW % "unfollow", {"userId": bob.gid}, **admin.headers)
    await _ok(client, FOLLOW % "unfollow", {"userId": bob.gid}, **admin.headers)  # no change
    await _agree(connection)
    assert await _row(connection, User.follower_count, bob.id) == (1,)

    written = [await _ok(client, WRITE, {"title": f"T{i}"}, **bob.headers) for i in range(3)]
    await _ok(client, WRITE, {"title": "A"}, **alice.headers)
    await _agree(connection)
    assert await _row(connection, User.article_count, bob.id) == (3,)
    usernames = select(Article.author_username).where(Article.author_id == bob.id)
    assert set(await connection.scalars(usernames)) == {"bob"}
    first = written[0]["article"]["id"]
    await _ok(client, DELETE % "deleteArticle", {"input": {"id": first}}, **bob.headers)
    await _agree(connection)
    assert await _row(connection, User.article_count, bob.id) == (2,)

    # Bob's follows both ways and his articles go with him.
    await _ok(client, DELETE % "deleteUser", {"input": {"id": bob.gid}}, **admin.headers)
    await _agree(connection)
    assert await _row(connection, User.follower_count, User.following_count, alice.id) == (0, 0)
    assert await _row(connection, User.following_count, admin.id) == (0,)


async def test_the_seeds_bulk_load_keeps_every_column(connection: AsyncConnection) -> None:
    await load_dataset(
        connection,
        students=40,
        courses=12,
        teachers=5,
        registrations=120,
        users=15,
        follows=60,
        articles=30,
    )
    await _agree(connection)
    assert await _sums(connection) == (120, 120, 60, 60, 30)


async def _sums(connection: AsyncConnection) -> tuple[int, ...]:
    """The sums of the counters: each the size of the table it counts."""
    sums = """SELECT (SELECT sum(course_count) FROM students),
      (SELECT sum(student_count) FROM courses),
      (SELECT sum(follower_count) FROM users),
      (SELECT sum(following_count) FROM users),
      (SELECT sum(article_count) FROM users)"""
    return tuple((await connection.execute(text(sums))).one())


async def test_seeding_and_reseeding_a_database_keep_every_column(
    settings: Settings, own_database_url: str
) -> None:
    database = Database(replace(settings, database_url=own_database_url))
    try:
        for follows, articles, replacing in ((40, 20, False), (30, 25, True)):
            await seed(
                database,
                students=30,
                courses=8,
                teachers=3,
                registrations=60,
                users=12,
                follows=follows,
                articles=articles,
                replace=replacing,
                progress=False,
            )
        async with database.engine.connect() as connection:
            await _agree(connection)
            assert await _sums(connection) == (60, 60, 30, 30, 25)
    finally:
        await database.dispose()


async def test_drifts_names_each_broken_row_and_repair_sets_it_right(
    people: People, connection: AsyncConnection
) -> None:
    teacher = await add_teacher(connection, "Ada")
    course = await add_course(connection, "C1", teacher_id=teacher)
    await connection.execute(
        text("UPDATE users SET follower_count = 7 WHERE id = :id"), {"id": people.bob.id}
    )
    await connection.execute(
        text("UPDATE courses SET teacher_name = 'Wrong', student_count = 2 WHERE id = :id"),
        {"id": course},
    )
    await connection.execute(text("UPDATE teachers SET course_count = 0"))

    found = await counters.drifts(connection)

    assert {(d.table, d.column, d.row_id, d.stored, d.true) for d in found} == {
        ("users", "follower_count", people.bob.id, 7, 0),
        ("courses", "teacher_name", course, "Wrong", "Ada"),
        ("courses", "student_count", course, 2, 0),
        ("teachers", "course_count", teacher, 0, 1),
    }
    fixed = await counters.repair(connection)
    assert {name: rows for name, rows in fixed.items() if rows} == {
        "users.follower_count": 1,
        "courses.teacher_name": 1,
        "courses.student_count": 1,
        "teachers.course_count": 1,
    }
    await _agree(connection)
    assert set(fixed) == {kept.name for kept in counters.KEPT}
