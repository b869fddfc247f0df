"""enrollStudent and withdrawStudent: one course at a time, who may, what the payload costs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.people import People
from tests.rows import add_course, add_student, register, registered, snapshot
from tests.support import GraphQLClient, gid

ENROLL = """
mutation Enroll($input: EnrollmentInput!) {
  enrollStudent(input: $input) {
    changed
    student { name courses { totalCount nodes { code } } }
    course { code students { nodes { name } } }
    userErrors { field message code }
  }
}
"""
WITHDRAW = ENROLL.replace("Enroll(", "Withdraw(").replace("enrollStudent", "withdrawStudent")


def _link(student_id: int, course_id: int) -> dict[str, Any]:
    return {
        "input": {"studentId": gid("Student", student_id), "courseId": gid("Course", course_id)}
    }


# --------------------------------------------------------- enroll / withdraw


async def test_enroll_appends_once_and_says_whether_it_changed(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = await add_student(connection, "Grace")
    math = await add_course(connection, "MA101")

    first = await client.query(ENROLL, _link(student, math), **people.admin.headers)
    second = await client.query(ENROLL, _link(student, math), **people.admin.headers)

    assert first["enrollStudent"] == {
        "changed": True,
        "student": {"name": "Grace", "courses": {"totalCount": 1, "nodes": [{"code": "MA101"}]}},
        "course": {"code": "MA101", "students": {"nodes": [{"name": "Grace"}]}},
        "userErrors": [],
    }
    assert second["enrollStudent"]["changed"] is False
    assert second["enrollStudent"]["student"]["courses"]["totalCount"] == 1
    assert await registered(connection, student) == [math]


async def test_withdraw_removes_once_and_keeps_other_courses(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    student = await add_student(connection, "Grace")
    math, physics = await add_course(connection, "MA101"), await add_course(connection, "PH101")
    await register(connection, student, math, physics)

    first = await client.query(WITHDRAW, _link(student, math), **people.admin.headers)
    second = await client.query(WITHDRAW, _link(student, math), **people.admin.headers)

    assert first["withdrawStudent"]["changed"] is True
    assert first["withdrawStudent"]["student"]["courses"]["nodes"] == [{"code": "PH101"}]
    assert first["withdrawStudent"]["course"]["students"]["nodes"] == []
    assert second["withdrawStudent"]["changed"] is False
    assert second["withdrawStudent"]["userErrors"] == []
    assert await registered(connection, student) == [physics]


@pytest.mark.parametrize("document", [ENROLL, WITHDRAW], ids=["enroll", "withdraw"])
async def test_a_user_may_change_its_own_student_only(
    client: GraphQLClient, connection: AsyncConnection, people: People, document: str
) -> None:
    own = await add_student(connection, "Alice's profile", user_id=people.alice.id)
    other = await add_student(connection, "Bob's profile", user_id=people.bob.id)
    course = await add_course(connection, "CS101")
    await register(connection, other, course)
    before = await snapshot(connection)

    refused = await client.query(document, _link(other, course), **people.alice.headers)
    missing = await client.query(document, _link(other + 100, course), **people.alice.headers)

    [payload] = refused.values()
    assert (payload["student"], payload["course"], payload["changed"]) == (None, None, False)
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    [payload] = missing.values()
    assert payload["userErrors"] == [
        {"field": ["input", "studentId"], "message": "No student has this ID.", "code": "NOT_FOUND"}
    ]
    assert await snapshot(connection) == before

    allowed = await client.query(document, _link(own, course), **people.alice.headers)
    [payload] = allowed.values()
    assert payload["userErrors"] == []
    assert payload["changed"] is (document is ENROLL)


@pytest.mark.parametrize("document", [ENROLL, WITHDRAW], ids=["enroll", "withdraw"])
async def test_unknown_or_malformed_ids_are_not_found_by_input_path(
    client: GraphQLClient, connection: AsyncConnection, people: People, document: str
) -> None:
    student = await add_student(connection)
    course = await add_course(connection, "CS101")
    before = await snapshot(connection)
    cases = [
        ({"studentId": gid("Student", student), "courseId": gid("Course", course + 1)}, "courseId"),
        ({"studentId": "not an id", "courseId": gid("Course", course)}, "studentId"),
        ({"studentId": gid("Course", course), "courseId": gid("Course", course)}, "studentId"),
        ({"studentId": gid("Student", student), "courseId": gid("Student", student)}, "courseId"),
    ]
    for variables, field in cases:
        data = await client.query(document, {"input": variables}, **people.admin.headers)
        [payload] = data.values()
        assert (payload["student"], payload["course"]) == (None, None)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", field], "NOT_FOUND")
        ]
    assert await snapshot(connection) == before


async def test_the_payload_costs_the_same_however_many_courses(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    """The payload's selection is loaded by the batched loader, not per row."""
    few, many = await add_student(connection, "Few"), await add_student(connection, "Many")
    courses = [await add_course(connection, f"C{i:03d}") for i in range(30)]
    await register(connection, many, *courses[1:])
    query = ENROLL.replace(
        "nodes { code }", "nodes { code teacher { name } students { nodes { name } } }"
    )

    small = await client.execute(query, _link(few, courses[0]), **people.admin.headers)
    large = await client.execute(query, _link(many, courses[0]), **people.admin.headers)

    assert large["data"]["enrollStudent"]["student"]["courses"]["totalCount"] == 30
    assert small["extensions"]["sql"]["statements"] == large["extensions"]["sql"]["statements"]
