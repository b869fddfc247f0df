"""setStudentCourses, assignTeacher, linkStudentUser: admin mutations that set a link outright."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Course, Student
from tests.people import People
from tests.rows import add_course, add_student, add_teacher, register, registered, snapshot
from tests.support import GraphQLClient, gid

SET_COURSES = """
mutation Set($input: SetStudentCoursesInput!) {
  setStudentCourses(input: $input) {
    student { name courses { nodes { code } } }
    userErrors { field message code }
  }
}
"""

ASSIGN = """
mutation Assign($input: AssignTeacherInput!) {
  assignTeacher(input: $input) {
    course { code teacher { name courses { nodes { code } } } }
    userErrors { field message code }
  }
}
"""

LINK = """
mutation Link($input: LinkStudentUserInput!) {
  linkStudentUser(input: $input) {
    student { name user { username student { name } } }
    userErrors { field message code }
  }
}
"""


# ------------------------------------------------------------ set courses


async def test_set_student_courses_replaces_the_collection(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = await add_student(connection, "Grace")
    a, b, c = [await add_course(connection, code) for code in ("A1", "B1", "C1")]
    await register(connection, student, a, b)
    ids = [gid("Course", c), gid("Course", b), gid("Course", c)]

    data = await client.query(
        SET_COURSES,
        {"input": {"studentId": gid("Student", student), "courseIds": ids}},
        **people.admin.headers,
    )

    assert data["setStudentCourses"] == {
        "student": {"name": "Grace", "courses": {"nodes": [{"code": "B1"}, {"code": "C1"}]}},
        "userErrors": [],
    }
    assert await registered(connection, student) == [b, c]

    emptied = await client.query(
        SET_COURSES,
        {"input": {"studentId": gid("Student", student), "courseIds": []}},
        **people.admin.headers,
    )
    assert emptied["setStudentCourses"]["student"]["courses"]["nodes"] == []
    assert await registered(connection, student) == []


async def test_set_student_courses_changes_nothing_when_one_course_is_missing(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = await add_student(connection)
    a, b = await add_course(connection, "A1"), await add_course(connection, "B1")
    await register(connection, student, a)
    before = await snapshot(connection)

    missing_student = await client.query(
        SET_COURSES,
        {"input": {"studentId": gid("Student", student + 1), "courseIds": [gid("Course", a)]}},
        **people.admin.headers,
    )
    errors = missing_student["setStudentCourses"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "studentId"], "NOT_FOUND")]
    for bad in (gid("Course", b + 1), "garbage"):
        data = await client.query(
            SET_COURSES,
            {
                "input": {
                    "studentId": gid("Student", student),
                    "courseIds": [gid("Course", b), gid("Course", a), bad],
                }
            },
            **people.admin.headers,
        )
        assert data["setStudentCourses"]["student"] is None
        assert [(e["field"], e["code"]) for e in data["setStudentCourses"]["userErrors"]] == [
            (["input", "courseIds", "2"], "NOT_FOUND")
        ]
    assert await snapshot(connection) == before


# ---------------------------------------------------------- assign teacher


async def test_assign_teacher_sets_and_clears_the_many_to_one_side(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    turing = await add_teacher(connection, "Alan Turing")
    course = await add_course(connection, "CS101")
    course_id = gid("Course", course)

    assigned = await client.query(
        ASSIGN,
        {"input": {"courseId": course_id, "teacherId": gid("Teacher", turing)}},
        **people.admin.headers,
    )
    assert assigned["assignTeacher"]["course"] == {
        "code": "CS101",
        "teacher": {"name": "Alan Turing", "courses": {"nodes": [{"code": "CS101"}]}},
    }
    assert await _teacher_of(connection, course) == turing

    cleared = await client.query(
        ASSIGN, {"input": {"courseId": course_id, "teacherId": None}}, **people.admin.headers
    )
    assert cleared["assignTeacher"]["course"]["teacher"] is None
    assert await _teacher_of(connection, course) is None

    await client.query(
        ASSIGN,
        {"input": {"courseId": course_id, "teacherId": gid("Teacher", turing)}},
        **people.admin.headers,
    )
    omitted = await client.query(ASSIGN, {"input": {"courseId": course_id}}, **people.admin.headers)
    assert omitted["assignTeacher"]["course"]["teacher"] is None
    assert await _teacher_of(connection, course) is None


async def test_assign_teacher_reports_unknown_ids(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    teacher = await add_teacher(connection)
    course = await add_course(connection, "CS101", teacher_id=teacher)
    before = await snapshot(connection)
    cases = [
        (
            {"courseId": gid("Course", course), "teacherId": gid("Teacher", teacher + 1)},
            "teacherId",
        ),
        ({"courseId": gid("Course", course + 1), "teacherId": None}, "courseId"),
    ]
    for variables, field in cases:
        data = await client.query(ASSIGN, {"input": variables}, **people.admin.headers)
        assert data["assignTeacher"]["course"] is None
        assert [(e["field"], e["code"]) for e in data["assignTeacher"]["userErrors"]] == [
            (["input", field], "NOT_FOUND")
        ]
    assert await snapshot(connection) == before


async def _teacher_of(connection: AsyncConnection, course_id: int) -> int | None:
    return await connection.scalar(select(Course.teacher_id).where(Course.id == course_id))


# ------------------------------------------------------------ link a user


async def test_link_student_user_links_moves_and_unlinks(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = await add_student(connection, "Grace")
    student_id = gid("Student", student)

    linked = await client.query(
        LINK,
        {"input": {"studentId": student_id, "userId": people.alice.gid}},
        **people.admin.headers,
    )
    assert linked["linkStudentUser"]["student"] == {
        "name": "Grace",
        "user": {"username": "alice", "student": {"name": "Grace"}},
    }
    again = await client.query(
        LINK,
        {"input": {"studentId": student_id, "userId": people.alice.gid}},
        **people.admin.headers,
    )
    assert again["linkStudentUser"]["userErrors"] == []

    moved = await client.query(
        LINK, {"input": {"studentId": student_id, "userId": people.bob.gid}}, **people.admin.headers
    )
    assert moved["linkStudentUser"]["student"]["user"]["username"] == "bob"
    assert await _user_of(connection, student) == people.bob.id

    unlinked = await client.query(
        LINK, {"input": {"studentId": student_id, "userId": None}}, **people.admin.headers
    )
    assert unlinked["linkStudentUser"]["student"]["user"] is None
    assert await _user_of(connection, student) is None

    await client.query(
        LINK, {"input": {"studentId": student_id, "userId": people.bob.gid}}, **people.admin.headers
    )
    omitted = await client.query(LINK, {"input": {"studentId": student_id}}, **people.admin.headers)
    assert omitted["linkStudentUser"]["student"]["user"] is None


async def test_a_user_with_another_student_is_a_conflict(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    await add_student(connection, "Alice's profile", user_id=people.alice.id)
    other = await add_student(connection, "Someone else")
    before = await snapshot(connection)

    data = await client.query(
        LINK,
        {"input": {"studentId": gid("Student", other), "userId": people.alice.gid}},
        **people.admin.headers,
    )

    assert data["linkStudentUser"]["student"] is None
    assert [(e["field"], e["code"]) for e in data["linkStudentUser"]["userErrors"]] == [
        (["input", "userId"], "CONFLICT")
    ]
    assert await snapshot(connection) == before


async def test_link_student_user_reports_unknown_ids(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = await add_student(connection)
    before = await snapshot(connection)
    cases = [
        ({"studentId": gid("Student", student), "userId": gid("User", 999_999)}, "userId"),
        ({"studentId": gid("Student", student), "userId": gid("Student", student)}, "userId"),
        ({"studentId": gid("Student", student + 1), "userId": people.bob.gid}, "studentId"),
    ]
    for variables, field in cases:
        data = await client.query(LINK, {"input": variables}, **people.admin.headers)
        assert [(e["field"], e["code"]) for e in data["linkStudentUser"]["userErrors"]] == [
            (["input", field], "NOT_FOUND")
        ]
    assert await snapshot(connection) == before


async def _user_of(connection: AsyncConnection, student_id: int) -> int | None:
    return await connection.scalar(select(Student.user_id).where(Student.id == student_id))
