"""Creating students, courses and teachers; each mutation of a document in its own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Course, Student
from tests.people import People
from tests.rows import add_course, add_teacher, registered, snapshot
from tests.support import GraphQLClient, gid, user_errors

CREATE_STUDENT = """
mutation Create($input: CreateStudentInput!) {
  createStudent(input: $input) {
    student { id name grade courses { nodes { code } } }
    userErrors { field message code }
  }
}
"""
CREATE_COURSE = """
mutation Create($input: CreateCourseInput!) {
  createCourse(input: $input) {
    course { id code title teacher { name } }
    userErrors { field message code }
  }
}
"""
CREATE_TEACHER = """
mutation Create($input: CreateTeacherInput!) {
  createTeacher(input: $input) {
    teacher { id name office courses { totalCount } }
    userErrors { field message code }
  }
}
"""


# ------------------------------------------------------------------ students


async def test_create_student_links_its_courses_once(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    a, b = await add_course(connection, "A1"), await add_course(connection, "B1")
    ids = [gid("Course", b), gid("Course", a), gid("Course", b)]

    data = await client.query(
        CREATE_STUDENT,
        {"input": {"name": "Grace", "grade": "A", "courseIds": ids}},
        **people.admin.headers,
    )

    student = data["createStudent"]["student"]
    assert data["createStudent"]["userErrors"] == []
    assert (student["name"], student["grade"]) == ("Grace", "A")
    assert student["courses"]["nodes"] == [{"code": "A1"}, {"code": "B1"}]
    pk = await connection.scalar(select(Student.id).where(Student.name == "Grace"))
    assert pk is not None
    assert student["id"] == gid("Student", pk)
    assert await registered(connection, pk) == [a, b]


async def test_create_student_without_optional_fields(
    client: GraphQLClient, people: People
) -> None:
    data = await client.query(CREATE_STUDENT, {"input": {"name": "Ada"}}, **people.admin.headers)

    student = data["createStudent"]["student"]
    assert (student["name"], student["grade"], student["courses"]["nodes"]) == ("Ada", None, [])


async def test_create_student_checks_every_value_before_writing(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    course = await add_course(connection, "A1")
    before = await snapshot(connection)
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"name": ""}, [(["input", "name"], "INVALID")]),
        ({"name": "   "}, [(["input", "name"], "INVALID")]),
        (
            {"name": "x" * 101, "grade": "g" * 21},
            [(["input", "name"], "INVALID"), (["input", "grade"], "INVALID")],
        ),
        (
            {"name": "Ok", "courseIds": [gid("Course", course), gid("Course", course + 9)]},
            [(["input", "courseIds", "1"], "NOT_FOUND")],
        ),
        (
            {"name": "Ok", "courseIds": [gid("Course", course), gid("Teacher", 1)]},
            [(["input", "courseIds", "1"], "NOT_FOUND")],
        ),
    ]
    for values, expected in cases:
        data = await client.query(CREATE_STUDENT, {"input": values}, **people.admin.headers)
        assert data["createStudent"]["student"] is None
        assert user_errors(data["createStudent"]) == expected, values
    assert await snapshot(connection) == before


async def test_the_longest_values_are_accepted(client: GraphQLClient, people: People) -> None:
    data = await client.query(
        CREATE_STUDENT, {"input": {"name": "é" * 100, "grade": "g" * 20}}, **people.admin.headers
    )

    assert data["createStudent"]["student"]["name"] == "é" * 100


# ------------------------------------------------------------------- courses


async def test_create_course_with_and_without_a_teacher(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    teacher = await add_teacher(connection, "Alan Turing")

    taught = await client.query(
        CREATE_COURSE,
        {"input": {"code": "CS101", "title": "Computing", "teacherId": gid("Teacher", teacher)}},
        **people.admin.headers,
    )
    alone = await client.query(
        CREATE_COURSE, {"input": {"code": "CS102", "title": "More"}}, **people.admin.headers
    )

    assert taught["createCourse"]["course"]["teacher"] == {"name": "Alan Turing"}
    assert alone["createCourse"]["course"]["teacher"] is None
    rows = await connection.execute(select(Course.code, Course.teacher_id).order_by(Course.code))
    assert rows.all() == [("CS101", teacher), ("CS102", None)]


async def test_create_course_refuses_a_taken_code_and_bad_values(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    await add_course(connection, "CS101")
    before = await snapshot(connection)
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"code": "CS101", "title": "Again"}, [(["input", "code"], "CONFLICT")]),
        (
            {"code": "c" * 21, "title": ""},
            [(["input", "code"], "INVALID"), (["input", "title"], "INVALID")],
        ),
        ({"code": "CS9", "title": "t" * 201}, [(["input", "title"], "INVALID")]),
        (
            {"code": "CS9", "title": "T", "teacherId": gid("Teacher", 77)},
            [(["input", "teacherId"], "NOT_FOUND")],
        ),
    ]
    for values, expected in cases:
        data = await client.query(CREATE_COURSE, {"input": values}, **people.admin.headers)
        assert data["createCourse"]["course"] is None
        assert user_errors(data["createCourse"]) == expected, values
    assert await snapshot(connection) == before


async def test_course_codes_are_case_sensitive(client: GraphQLClient, people: People) -> None:
    await client.query(
        CREATE_COURSE, {"input": {"code": "cs1", "title": "a"}}, **people.admin.headers
    )
    data = await client.query(
        CREATE_COURSE, {"input": {"code": "CS1", "title": "b"}}, **people.admin.headers
    )

    assert data["createCourse"]["userErrors"] == []


# ------------------------------------------------------------------ teachers


async def test_create_teacher_checks_its_values(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    before = await snapshot(connection)

    data = await client.query(
        CREATE_TEACHER, {"input": {"name": " ", "office": "o" * 21}}, **people.admin.headers
    )

    assert data["createTeacher"]["teacher"] is None
    assert user_errors(data["createTeacher"]) == [
        (["input", "name"], "INVALID"),
        (["input", "office"], "INVALID"),
    ]
    assert await snapshot(connection) == before


async def test_each_mutation_of_a_document_runs_in_its_own_transaction(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    """The first commits though the second fails; the second sees the first's row."""
    document = """
    mutation {
      first: createCourse(input: {code: "X1", title: "One"}) {
        course { code } userErrors { code }
      }
      second: createCourse(input: {code: "X1", title: "Two"}) {
        course { code } userErrors { code }
      }
      third: createCourse(input: {code: "X2", title: "Three"}) { course { code } }
    }
    """

    data = await client.query(document, {}, **people.admin.headers)

    assert data["first"] == {"course": {"code": "X1"}, "userErrors": []}
    assert data["second"] == {"course": None, "userErrors": [{"code": "CONFLICT"}]}
    assert data["third"] == {"course": {"code": "X2"}}
    rows = await connection.execute(select(Course.code, Course.title).order_by(Course.code))
    assert rows.all() == [("X1", "One"), ("X2", "Three")]
