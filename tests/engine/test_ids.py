"""An ID names one object for ever: a deleted object's ID is never given to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.people import People
from tests.support import GraphQLClient

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")


@dataclass(frozen=True)
class Kind:
    """How to create, delete and change one node type through the API."""

    create: str
    payload: str
    inputs: tuple[dict[str, Any], dict[str, Any]]
    delete: str
    # A mutation that names the object by the ID in ``field`` of its input.
    change: str
    field: str
    change_input: dict[str, Any]
    # Whom the change is made as: "admin" or "alice".
    actor: str = "admin"


KINDS = {
    "Student": Kind(
        "createStudent",
        "student",
        ({"name": "Ada"}, {"name": "Alan"}),
        "deleteStudent",
        "updateStudent",
        "id",
        {"name": "Grace"},
    ),
    "Course": Kind(
        "createCourse",
        "course",
        ({"code": "C1", "title": "One"}, {"code": "C2", "title": "Two"}),
        "deleteCourse",
        "updateCourse",
        "id",
        {"title": "Changed"},
    ),
    "Teacher": Kind(
        "createTeacher",
        "teacher",
        ({"name": "Ada"}, {"name": "Alan"}),
        "deleteTeacher",
        "updateTeacher",
        "id",
        {"office": "B2"},
    ),
    "Article": Kind(
        "createArticle",
        "article",
        ({"title": "One", "body": "1"}, {"title": "Two", "body": "2"}),
        "deleteArticle",
        "updateArticle",
        "id",
        {"title": "Changed"},
        actor="alice",
    ),
    "User": Kind(
        "signUp",
        "user",
        (
            {"username": "grace", "password": "correct horse"},
            {"username": "linus", "password": "battery staple"},
        ),
        "deleteUser",
        "follow",
        "userId",
        {},
        actor="alice",
    ),
}


async def _run(
    client: GraphQLClient, mutation: str, selection: str, input: dict[str, Any], headers: Any
) -> dict[str, Any]:
    variables = f"$input: {_input_type(mutation)}!"
    document = f"mutation ({variables}) {{ {mutation}(input: $input) {{ {selection} }} }}"
    data = await client.query(document, {"input": input}, **headers)
    payload: dict[str, Any] = data[mutation]
    return payload


def _input_type(mutation: str) -> str:
    if mutation.startswith("delete"):
        return "DeleteInput"
    if mutation == "follow":
        return "FollowInput"
    return mutation[0].upper() + mutation[1:] + "Input"


@pytest.mark.parametrize("type_name", sorted(KINDS))
async def test_a_deleted_objects_id_is_not_given_to_the_next_one(
    client: GraphQLClient, people: People, type_name: str
) -> None:
    kind = KINDS[type_name]
    admin = people.admin.headers
    actor = admin if kind.actor == "admin" else people.alice.headers
    creator = actor if kind.create != "signUp" else {}

    async def create(input: dict[str, Any]) -> str:
        selection = f"{kind.payload} {{ id }} userErrors {{ code }}"
        payload = await _run(client, kind.create, selection, input, creator)
        assert payload["userErrors"] == []
        created: str = payload[kind.payload]["id"]
        return created

    stale = await create(kind.inputs[0])
    deleter = actor if kind.delete != "deleteUser" else admin
    deleted = await _run(client, kind.delete, "deletedId", {"id": stale}, deleter)
    assert deleted == {"deletedId": stale}

    fresh = await create(kind.inputs[1])

    assert fresh != stale
    changed = await _run(
        client,
        kind.change,
        "userErrors { field code }",
        {kind.field: stale, **kind.change_input},
        actor,
    )
    assert changed == {"userErrors": [{"field": ["input", kind.field], "code": "NOT_FOUND"}]}
    nodes = await client.query(
        "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [stale, fresh]}
    )
    assert nodes == {"nodes": [None, {"id": fresh}]}


async def test_a_stale_course_id_does_not_enroll_in_the_next_course(
    client: GraphQLClient, people: People
) -> None:
    admin = people.admin.headers
    student = await _run(client, "createStudent", "student { id }", {"name": "Ada"}, admin)
    course = await _run(
        client, "createCourse", "course { id }", {"code": "C1", "title": "One"}, admin
    )
    stale = course["course"]["id"]
    await _run(client, "deleteCourse", "deletedId", {"id": stale}, admin)
    await _run(client, "createCourse", "course { id }", {"code": "C2", "title": "Two"}, admin)

    document = """
    mutation ($input: SetStudentCoursesInput!) {
      setStudentCourses(input: $input) {
        student { courses { nodes { code } } }
        userErrors { field code }
      }
    }
    """
    input = {"studentId": student["student"]["id"], "courseIds": [stale]}
    data = await client.query(document, {"input": input}, **admin)

    assert data["setStudentCourses"]["userErrors"] == [
        {"field": ["input", "courseIds", "0"], "code": "NOT_FOUND"}
    ]
    check = await client.query(
        "query ($id: ID!) { node(id: $id) { ... on Student { courses { nodes { code } } } } }",
        {"id": student["student"]["id"]},
    )
    assert check == {"node": {"courses": {"nodes": []}}}
