"""String filters with a NUL in their values: the same answer on both back ends, never an error.

No stored text holds a NUL, so such a value matches nothing with ``eq``,
``contains`` and ``startsWith``, counts for nothing in ``in``, and every row
(nulls too) is distinct from it under ``ne``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.rows import add_course, add_teacher
from tests.support import GraphQLClient

TEACHERS = "query Teachers($filter: TeacherFilter) { teachers(filter: $filter) { nodes { name } } }"
NAMES = ["Ada", "Bob", "Cy"]


@pytest.fixture
async def teachers(connection: AsyncConnection) -> dict[str, int]:
    """Ada in B12, Bob in C3, Cy in no office at all."""
    offices = {"Ada": "B12", "Bob": "C3", "Cy": None}
    return {name: await add_teacher(connection, name, office=offices[name]) for name in NAMES}


async def _names(client: GraphQLClient, filter_: dict[str, Any]) -> list[str]:
    data = await client.query(TEACHERS, {"filter": filter_})
    return sorted(node["name"] for node in data["teachers"]["nodes"])


@pytest.mark.usefixtures("teachers")
@pytest.mark.parametrize(
    ("string_filter", "expected"),
    [
        ({"eq": "Ada\u0000"}, []),
        ({"eq": "\u0000"}, []),
        ({"contains": "a\u0000"}, []),
        ({"contains": "\u0000"}, []),
        ({"startsWith": "A\u0000"}, []),
        ({"in": ["Ada\u0000", "Bob", "\u0000"]}, ["Bob"]),
        ({"in": ["Ada\u0000", "\u0000"]}, []),
        ({"ne": "Ada\u0000"}, NAMES),
        ({"ne": "Ada\u0000", "in": ["Ada", "Cy"]}, ["Ada", "Cy"]),
        ({"ne": "Ada\u0000", "startsWith": "B"}, ["Bob"]),
        ({"contains": "\u0000", "isNull": True}, []),
    ],
)
async def test_nul_in_a_string_filter(
    client: GraphQLClient, string_filter: dict[str, Any], expected: list[str]
) -> None:
    assert await _names(client, {"name": string_filter}) == expected


@pytest.mark.usefixtures("teachers")
async def test_ne_with_a_nul_matches_null_values_too(client: GraphQLClient) -> None:
    assert await _names(client, {"office": {"ne": "B12\u0000"}}) == NAMES
    assert await _names(client, {"not": {"office": {"ne": "B12\u0000"}}}) == []
    assert await _names(client, {"office": {"eq": "B12\u0000"}}) == []
    assert await _names(client, {"not": {"office": {"eq": "B12\u0000"}}}) == NAMES


@pytest.mark.usefixtures("teachers")
async def test_a_value_with_a_nul_is_its_own_shape_of_filter(client: GraphQLClient) -> None:
    """One statement is kept per shape: a NUL changes the shape, so no answer is mixed up."""
    for value, expected in [("Ada", ["Ada"]), ("Ada\u0000", []), ("Ada", ["Ada"])]:
        assert await _names(client, {"name": {"eq": value}}) == expected
        assert await _names(client, {"name": {"ne": value}}) == [
            name for name in NAMES if name != value
        ]
    for items, expected in [
        (["Ada", "Cy"], ["Ada", "Cy"]),
        (["Ada\u0000"], []),
        (["Cy", "Ada\u0000"], ["Cy"]),
        ([], []),
        (["Bob"], ["Bob"]),
    ]:
        assert await _names(client, {"name": {"in": items}}) == expected


async def test_a_nul_inside_relationship_filters_and_literals(
    client: GraphQLClient, connection: AsyncConnection, teachers: dict[str, int]
) -> None:
    await add_course(connection, "CS1", teacher_id=teachers["Ada"])
    await add_course(connection, "CS2")
    query = """
    query Courses($name: String) {
      byVariable: courses(filter: {teacher: {name: {startsWith: $name}}}) { nodes { code } }
      byLiteral: courses(filter: {teacher: {name: {eq: "Ada\\u0000"}}}) { nodes { code } }
      notByLiteral: courses(filter: {not: {teacher: {name: {eq: "Ada\\u0000"}}}}) {
        nodes { code }
      }
    }
    """
    data = await client.query(query, {"name": "Ad\u0000"})

    assert data["byVariable"]["nodes"] == []
    assert data["byLiteral"]["nodes"] == []
    assert data["notByLiteral"]["nodes"] == [{"code": "CS1"}, {"code": "CS2"}]
