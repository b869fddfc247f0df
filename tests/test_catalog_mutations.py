"""Creating, changing and deleting students, courses and teachers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.models import Course, Student, Teacher, registrations
from tests.people import People
from tests.rows import add_course, add_student, add_teacher, register, registered, snapshot
from tests.support import GraphQLClient, gid

CREATE_STUDENT = """
mutation Create($input: CreateStudentInput!) {
  createStudent(input: $input) {
    student { id name grade courses { nodes { code } } }
    userErrors { field message code }
  }
}
"""
UPDATE_STUDENT = """
mutation Update($input: UpdateStudentInput!) {
  updateStudent(input: $input) {
    student { id name grade }
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
UPDATE_COURSE = """
mutation Update($input: UpdateCourseInput!) {
  updateCourse(input: $input) {
    course { code title }
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


def _errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


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
        assert _errors(data["createStudent"]) == expected, values
    assert await snapshot(connection) == before


async def test_the_longest_values_are_accepted(client: GraphQLClient, people: People) -> None:
    data = await client.query(
        CREATE_STUDENT, {"input": {"name": "é" * 100, "grade": "g" * 20}}, **people.admin.headers
    )

    assert data["createStudent"]["student"]["name"] == "é" * 100


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
    assert _errors(refused["updateStudent"]) == [(["input", "name"], "INVALID")]
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
            assert _errors(data[name]) == [(["input", "id"], "NOT_FOUND")]
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
        assert _errors(data["createCourse"]) == expected, values
    assert await snapshot(connection) == before


async def test_course_codes_are_case_sensitive(client: GraphQLClient, people: People) -> None:
    await client.query(
        CREATE_COURSE, {"input": {"code": "cs1", "title": "a"}}, **people.admin.headers
    )
    data = await client.query(
        CREATE_COURSE, {"input": {"code": "CS1", "title": "b"}}, **people.admin.headers
    )

    assert data["createCourse"]["userErrors"] == []


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
        assert _errors(data["updateCourse"]) == expected
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
    assert _errors(again["deleteCourse"]) == [(["input", "id"], "NOT_FOUND")]
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
        assert _errors(data["updateTeacher"]) == expected
    assert await snapshot(connection) == before


async def test_create_teacher_checks_its_values(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    before = await snapshot(connection)

    data = await client.query(
        CREATE_TEACHER, {"input": {"name": " ", "office": "o" * 21}}, **people.admin.headers
    )

    assert data["createTeacher"]["teacher"] is None
    assert _errors(data["createTeacher"]) == [
        (["input", "name"], "INVALID"),
        (["input", "office"], "INVALID"),
    ]
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
