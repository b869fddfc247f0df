"""Updating and deleting students, courses and teachers; unknown rows are not found."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Course, Student, Teacher, registrations
from tests.domains.test_catalog_mutations import CREATE_TEACHER
from tests.people import People
from tests.rows import add_course, add_student, add_teacher, register, registered, snapshot
from tests.support import GraphQLClient, gid, user_errors

UPDATE_STUDENT = """
mutation Update($input: UpdateStudentInput!) {
  updateStudent(input: $input) {
    student { id name grade }
    userErrors { field message code }
  }
}
"""
UPDATE_COURSE = """
mutation Update($input: UpdateCourseInput!) {
  updateCourse(input: $input) {
    course { code title }
    userErrors { field message code }
  }
}
"""
UPDATE_TEACHER = """
mutation Update($input: UpdateTeacherInput!) {
  updateTeacher(input: $input) {
    teacher { name office }
    userErrors { field message code }
  }
}
"""
DELETE = """
mutation Delete($input: DeleteInput!) {
  %s(input: $input) { deletedId userErrors { field message code } }
}
"""


# ------------------------------------------------------------------ students


async def test_update_student_tells_omitted_from_null(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = gid("Student", await add_student(connection, "Grace", grade="B"))

    renamed = await client.query(
        UPDATE_STUDENT, {"input": {"id": student, "name": "Grace H."}}, **people.admin.headers
    )
    assert renamed["updateStudent"]["student"] == {"id": student, "name": "Grace H.", "grade": "B"}

    cleared = await client.query(
        UPDATE_STUDENT, {"input": {"id": student, "grade": None}}, **people.admin.headers
    )
    assert cleared["updateStudent"]["student"]["grade"] is None
    assert cleared["updateStudent"]["student"]["name"] == "Grace H."

    before = await snapshot(connection)
    refused = await client.query(
        UPDATE_STUDENT, {"input": {"id": student, "name": None}}, **people.admin.headers
    )
    assert refused["updateStudent"]["student"] is None
    assert user_errors(refused["updateStudent"]) == [(["input", "name"], "INVALID")]
    assert await snapshot(connection) == before


@pytest.mark.parametrize("kind", ["Student", "Course", "Teacher"])
async def test_update_and_delete_of_an_unknown_row_are_not_found(
    client: GraphQLClient, connection: AsyncConnection, people: People, kind: str
) -> None:
    await add_student(connection)
    await add_course(connection, "CS101")
    await add_teacher(connection)
    documents = {
        f"update{kind}": {"Student": UPDATE_STUDENT, "Course": UPDATE_COURSE}.get(
            kind, UPDATE_TEACHER
        ),
        f"delete{kind}": DELETE % f"delete{kind}",
    }
    other = "Course" if kind == "Student" else "Student"
    before = await snapshot(connection)
    for name, document in documents.items():
        for bad in (gid(kind, 12345), gid(other, 1), "%%%"):
            data = await client.query(document, {"input": {"id": bad}}, **people.admin.headers)
            assert user_errors(data[name]) == [(["input", "id"], "NOT_FOUND")]
    assert await snapshot(connection) == before


async def test_delete_student_deletes_its_registrations_only(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    course = await add_course(connection, "A1")
    gone, stays = await add_student(connection, "Gone"), await add_student(connection, "Stays")
    await register(connection, gone, course)
    await register(connection, stays, course)

    data = await client.query(
        DELETE % "deleteStudent", {"input": {"id": gid("Student", gone)}}, **people.admin.headers
    )

    assert data["deleteStudent"] == {"deletedId": gid("Student", gone), "userErrors": []}
    assert await connection.scalar(select(func.count()).select_from(Student)) == 1
    assert await registered(connection, gone) == []
    assert await registered(connection, stays) == [course]


# ------------------------------------------------------------------- courses


async def test_update_course_keeps_its_own_code_and_refuses_another(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    course = gid("Course", await add_course(connection, "CS101", "Old"))
    await add_course(connection, "CS102")

    same = await client.query(
        UPDATE_COURSE,
        {"input": {"id": course, "code": "CS101", "title": "New"}},
        **people.admin.headers,
    )
    assert same["updateCourse"] == {"course": {"code": "CS101", "title": "New"}, "userErrors": []}

    before = await snapshot(connection)
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"code": "CS102"}, [(["input", "code"], "CONFLICT")]),
        ({"title": None}, [(["input", "title"], "INVALID")]),
        ({"code": None}, [(["input", "code"], "INVALID")]),
    ]
    for values, expected in cases:
        data = await client.query(
            UPDATE_COURSE, {"input": {"id": course, **values}}, **people.admin.headers
        )
        assert data["updateCourse"]["course"] is None
        assert user_errors(data["updateCourse"]) == expected
    assert await snapshot(connection) == before


async def test_delete_course_deletes_its_registrations_not_its_students(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    gone, stays = await add_course(connection, "GONE"), await add_course(connection, "STAYS")
    student = await add_student(connection)
    await register(connection, student, gone, stays)

    data = await client.query(
        DELETE % "deleteCourse", {"input": {"id": gid("Course", gone)}}, **people.admin.headers
    )
    again = await client.query(
        DELETE % "deleteCourse", {"input": {"id": gid("Course", gone)}}, **people.admin.headers
    )

    assert data["deleteCourse"] == {"deletedId": gid("Course", gone), "userErrors": []}
    assert again["deleteCourse"]["deletedId"] is None
    assert user_errors(again["deleteCourse"]) == [(["input", "id"], "NOT_FOUND")]
    assert await registered(connection, student) == [stays]
    assert await connection.scalar(select(func.count()).select_from(registrations)) == 1


# ------------------------------------------------------------------ teachers


async def test_create_and_update_teacher(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    created = await client.query(
        CREATE_TEACHER, {"input": {"name": "Emmy Noether", "office": "B12"}}, **people.admin.headers
    )
    teacher = created["createTeacher"]["teacher"]
    assert teacher["name"] == "Emmy Noether"
    assert teacher["office"] == "B12"
    assert teacher["courses"] == {"totalCount": 0}

    moved = await client.query(
        UPDATE_TEACHER, {"input": {"id": teacher["id"], "office": None}}, **people.admin.headers
    )
    assert moved["updateTeacher"]["teacher"] == {"name": "Emmy Noether", "office": None}

    before = await snapshot(connection)
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"name": None}, [(["input", "name"], "INVALID")]),
        ({"office": "o" * 21}, [(["input", "office"], "INVALID")]),
        (
            {"name": "n" * 101, "office": ""},
            [
                (["input", "name"], "INVALID"),
                (["input", "office"], "INVALID"),
            ],
        ),
    ]
    for values, expected in cases:
        data = await client.query(
            UPDATE_TEACHER, {"input": {"id": teacher["id"], **values}}, **people.admin.headers
        )
        assert user_errors(data["updateTeacher"]) == expected
    assert await snapshot(connection) == before


async def test_delete_teacher_leaves_its_courses_without_one(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    teacher = await add_teacher(connection)
    course = await add_course(connection, "CS101", teacher_id=teacher)

    data = await client.query(
        DELETE % "deleteTeacher", {"input": {"id": gid("Teacher", teacher)}}, **people.admin.headers
    )

    assert data["deleteTeacher"]["deletedId"] == gid("Teacher", teacher)
    assert await connection.scalar(select(func.count()).select_from(Teacher)) == 0
    assert await connection.scalar(select(Course.teacher_id).where(Course.id == course)) is None
