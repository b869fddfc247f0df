"""Filters compile to SQL with the same rows on every back end (SPEC §9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

import schema.engine.statements as statements
from server.db.models import Article, Course, Student, Teacher, User, registrations
from tests.support import GraphQLClient

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

STUDENTS = """query ($filter: StudentFilter) {
  students(first: 100, filter: $filter) { totalCount nodes { name } } }"""


@pytest.fixture
async def campus(connection: AsyncConnection) -> None:
    await connection.execute(
        insert(Teacher),
        [
            {"id": 1, "name": "Grace Hopper", "office": "B-12"},
            {"id": 2, "name": "Alan Kay", "office": None},
        ],
    )
    await connection.execute(
        insert(Course),
        [
            {"id": 1, "code": "CS101", "title": "Algorithms", "teacher_id": 1},
            {"id": 2, "code": "cs102", "title": "Databases", "teacher_id": 2},
            {"id": 3, "code": "MA201", "title": "Calculus", "teacher_id": None},
        ],
    )
    await connection.execute(
        insert(Student),
        [
            {"id": 1, "name": "Élodie", "grade": "A"},
            {"id": 2, "name": "élise", "grade": None},
            {"id": 3, "name": "Bob 100%", "grade": "B"},
            {"id": 4, "name": "bob_b", "grade": "a"},
            {"id": 5, "name": "Zoë", "grade": None},
        ],
    )
    await connection.execute(
        insert(registrations),
        [{"student_id": s, "course_id": c} for s, c in [(1, 1), (1, 3), (2, 2), (3, 1), (4, 3)]],
    )


async def _names(client: GraphQLClient, filter_: dict[str, Any]) -> list[str]:
    data = await client.query(STUDENTS, {"filter": filter_})
    nodes = data["students"]["nodes"]
    assert data["students"]["totalCount"] == len(nodes)
    return [node["name"] for node in nodes]


ALL = ["Élodie", "élise", "Bob 100%", "bob_b", "Zoë"]

CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({}, ALL),
    ({"name": {"eq": "bob_b"}}, ["bob_b"]),
    ({"name": {"eq": "BOB_B"}}, []),
    ({"name": {"startsWith": "Bob"}}, ["Bob 100%"]),
    ({"name": {"startsWith": "bob"}}, ["bob_b"]),
    ({"name": {"startsWith": "bob_"}}, ["bob_b"]),
    ({"name": {"contains": "ÉL"}}, ["Élodie", "élise"]),
    ({"name": {"contains": "ë"}}, ["Zoë"]),
    ({"name": {"contains": "0%"}}, ["Bob 100%"]),
    ({"name": {"contains": "_"}}, ["bob_b"]),
    ({"name": {"in": ["Zoë", "bob_b", "nobody"]}}, ["bob_b", "Zoë"]),
    ({"name": {"in": []}}, []),
    ({"name": {"in": ["Zoë"]}}, ["Zoë"]),  # a list of another length, the same statement
    ({"grade": {"eq": "A"}}, ["Élodie"]),
    ({"grade": {"ne": "A"}}, ["élise", "Bob 100%", "bob_b", "Zoë"]),
    ({"grade": {"isNull": True}}, ["élise", "Zoë"]),
    ({"grade": {"isNull": False}}, ["Élodie", "Bob 100%", "bob_b"]),
    ({"grade": {"eq": None, "isNull": True}}, ["élise", "Zoë"]),
    ({"not": {"grade": {"eq": "A"}}}, ["élise", "Bob 100%", "bob_b", "Zoë"]),
    ({"not": {"grade": {"contains": "a"}}}, ["élise", "Bob 100%", "Zoë"]),
    ({"and": []}, ALL),
    ({"or": []}, []),
    ({"or": [{"name": {"eq": "Zoë"}}, {"grade": {"eq": "B"}}]}, ["Bob 100%", "Zoë"]),
    ({"name": {"contains": "b"}, "grade": {"eq": "a"}}, ["bob_b"]),
    ({"courses": {"some": {"code": {"eq": "CS101"}}}}, ["Élodie", "Bob 100%"]),
    ({"courses": {"none": {}}}, ["Zoë"]),
    ({"courses": {"some": {}}}, ["Élodie", "élise", "Bob 100%", "bob_b"]),
    ({"courses": {"some": {"hasTeacher": False}}}, ["Élodie", "bob_b"]),
    ({"courses": {"some": {"teacher": {"office": {"isNull": True}}}}}, ["élise"]),
    ({"courses": {"some": {"teacher": {"name": {"contains": "HOPPER"}}}}}, ["Élodie", "Bob 100%"]),
    ({"courses": {"some": {"students": {"some": {"name": {"eq": "bob_b"}}}}}}, ["Élodie", "bob_b"]),
    ({"courses": {"none": {"code": {"startsWith": "CS"}}}}, ["élise", "bob_b", "Zoë"]),
    ({"not": {"courses": {"some": {"code": {"eq": "CS101"}}}}}, ["élise", "bob_b", "Zoë"]),
]


@pytest.mark.usefixtures("campus")
@pytest.mark.parametrize(("filter_", "expected"), CASES, ids=[str(c[0]) for c in CASES])
async def test_student_filters(
    client: GraphQLClient, filter_: dict[str, Any], expected: list[str]
) -> None:
    assert await _names(client, filter_) == expected


@pytest.mark.usefixtures("campus")
async def test_not_is_the_exact_complement(client: GraphQLClient) -> None:
    for filter_, _ in CASES:
        matched = await _names(client, filter_)
        complement = await _names(client, {"not": filter_})
        assert sorted(matched + complement) == sorted(ALL), filter_


@pytest.mark.usefixtures("campus")
async def test_nested_list_filter_and_course_filters(client: GraphQLClient) -> None:
    query = """{ students(filter: {name: {eq: "Élodie"}}) { nodes {
        courses(filter: {title: {contains: "calc"}}) { totalCount nodes { code } } } }
      courses(filter: {students: {none: {}}}) { nodes { code } }
      teachers(filter: {or: [{office: {eq: "B-12"}}, {name: {startsWith: "Al"}}]}) {
        nodes { name } } }"""
    data = await client.query(query)
    [student] = data["students"]["nodes"]
    assert student["courses"] == {"totalCount": 1, "nodes": [{"code": "MA201"}]}
    assert data["courses"]["nodes"] == []
    assert [t["name"] for t in data["teachers"]["nodes"]] == ["Grace Hopper", "Alan Kay"]


async def test_datetime_and_author_filters(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    base = dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
    await connection.execute(
        insert(User),
        [
            {
                "id": i,
                "username": f"user{i}",
                "display_name": f"U{i}",
                "password_hash": "!",
                "created_at": base + dt.timedelta(days=i),
            }
            for i in (1, 2, 3)
        ],
    )
    await connection.execute(
        insert(Article),
        [
            {
                "id": i,
                "title": f"T{i}",
                "body": "b",
                "author_id": 1 + i % 3,
                "created_at": base + dt.timedelta(hours=i),
            }
            for i in range(1, 7)
        ],
    )
    query = """query ($since: DateTime!) {
      users(filter: {createdAt: {gt: $since}}) { nodes { username createdAt } }
      articles(filter: {author: {username: {eq: "user2"}},
                        createdAt: {lte: "2026-03-01T16:00:00.123456Z"}}) {
        nodes { title author { username } } } }"""
    data = await client.query(query, {"since": "2026-03-03T12:00:00.123456+00:00"})
    assert data["users"]["nodes"] == [
        {"username": "user3", "createdAt": "2026-03-04T12:00:00.123456Z"}
    ]
    assert data["articles"]["nodes"] == [
        {"title": "T1", "author": {"username": "user2"}},
        {"title": "T4", "author": {"username": "user2"}},
    ]


@pytest.mark.usefixtures("campus")
async def test_relationship_filters_of_one_shape_keep_their_own_values(
    client: GraphQLClient,
) -> None:
    # Statements of one shape share a compiled form: each must still bind its own values.
    courses = """query ($name: String!) {
      courses(filter: {students: {some: {name: {eq: $name}}}}) { nodes { code } } }"""
    for code, takers in [("CS101", ["Élodie", "Bob 100%"]), ("MA201", ["Élodie", "bob_b"])]:
        assert await _names(client, {"courses": {"some": {"code": {"eq": code}}}}) == takers
        others = await _names(client, {"courses": {"none": {"code": {"eq": code}}}})
        assert others == [name for name in ALL if name not in takers]
    for name, codes in [("élise", ["cs102"]), ("bob_b", ["MA201"])]:
        data = await client.query(courses, {"name": name})
        assert [course["code"] for course in data["courses"]["nodes"]] == codes


@pytest.mark.read_paths("off")  # the reference way's statements, kept by filter shape
@pytest.mark.usefixtures("campus")
async def test_filter_shapes_kept_are_bounded(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Clients choose filter shapes: the statements kept for them are the most recent few.
    monkeypatch.setattr(statements, "FILTERED_SHAPES", 8)
    statements._FILTERED.clear()
    for alternatives in range(1, 30):
        names = await _names(client, {"or": [{"name": {"eq": "Zoë"}}] * alternatives})
        assert names == ["Zoë"]
    assert len(statements._FILTERED) == 8
    assert await _names(client, {"or": [{"name": {"eq": "bob_b"}}]}) == ["bob_b"]
