"""Every relationship kind reads back what the tables hold, checked against SQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.engine.ids import decode_id
from server.config import Settings
from server.db.engine import Database
from server.db.models import Article, Follow, Student, User
from tests.support import GraphQLClient, gid, load_dataset, serve

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")


async def _pairs(connection: AsyncConnection, sql: str) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for parent, child in (await connection.execute(text(sql))).all():
        grouped[parent].append(child)
    return grouped


def _pk(global_id: str) -> int:
    decoded = decode_id(global_id)
    assert decoded is not None
    return decoded[1]


async def test_many_to_many_both_ways(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    await load_dataset(connection, students=40, courses=12, registrations=200)
    courses_of = await _pairs(
        connection, "SELECT student_id, course_id FROM registrations ORDER BY 1, 2"
    )
    students_of = await _pairs(
        connection, "SELECT course_id, student_id FROM registrations ORDER BY 1, 2"
    )
    # Pages that hold every collection whole: 67,361 values by the estimate,
    # past the default cost limit, though the data is small.
    async with serve(replace(settings, max_cost=100_000), database) as http:
        data = await GraphQLClient(http).query(
            """{ students(first: 40) { nodes { id courses(first: 20) { totalCount nodes { id
                students(first: 40) { totalCount nodes { id } } } } } } }"""
        )
    students = data["students"]["nodes"]
    assert len(students) == 40
    for student in students:
        courses = student["courses"]["nodes"]
        assert [_pk(c["id"]) for c in courses] == courses_of[_pk(student["id"])]
        assert student["courses"]["totalCount"] == len(courses)
        for course in courses:
            assert [_pk(s["id"]) for s in course["students"]["nodes"]] == students_of[
                _pk(course["id"])
            ]


async def test_one_to_many_and_many_to_one(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await load_dataset(connection, courses=30, teachers=5)
    taught = await _pairs(
        connection, "SELECT teacher_id, id FROM courses WHERE teacher_id IS NOT NULL ORDER BY 1, 2"
    )
    data = await client.query(
        """{ teachers { nodes { id name courses(first: 100) { nodes { id teacher { id } } } } }
             courses(first: 100) { nodes { teacher { id } } } }"""
    )
    for teacher in data["teachers"]["nodes"]:
        courses = teacher["courses"]["nodes"]
        assert [_pk(c["id"]) for c in courses] == taught[_pk(teacher["id"])]
        assert all(c["teacher"]["id"] == teacher["id"] for c in courses)
    without = (
        await connection.execute(text("SELECT count(*) FROM courses WHERE teacher_id IS NULL"))
    ).scalar_one()
    assert sum(c["teacher"] is None for c in data["courses"]["nodes"]) == without


async def test_one_to_one_both_ways(client: GraphQLClient, connection: AsyncConnection) -> None:
    await load_dataset(connection, students=30, users=20)
    linked: dict[int, int] = dict(
        (
            await connection.execute(
                text("SELECT id, user_id FROM students WHERE user_id IS NOT NULL")
            )
        ).all()
    )
    assert linked, "the data set links some students to users"
    data = await client.query(
        """{ students(first: 100) { nodes { id user { id student { id } } } }
             users(first: 100) { nodes { id student { id } } } }"""
    )
    for student in data["students"]["nodes"]:
        user_id = linked.get(_pk(student["id"]))
        if user_id is None:
            assert student["user"] is None
        else:
            assert student["user"] == {"id": gid("User", user_id), "student": {"id": student["id"]}}
    by_user = {u: s for s, u in linked.items()}
    for user in data["users"]["nodes"]:
        student_id = by_user.get(_pk(user["id"]))
        assert user["student"] == (
            None if student_id is None else {"id": gid("Student", student_id)}
        )


async def test_follows_carry_their_time_newest_first(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    t0 = dt.datetime(2026, 5, 1, 8, 0, 0, 1, tzinfo=dt.UTC)
    await connection.execute(
        insert(User),
        [
            {
                "id": i,
                "username": f"usr{i}",
                "display_name": f"U{i}",
                "password_hash": "!",
                "created_at": t0,
            }
            for i in range(1, 6)
        ],
    )
    follows = [(2, 1, 3), (3, 1, 1), (4, 1, 3), (5, 1, 2), (1, 2, 5)]  # follower, followed, minute
    await connection.execute(
        insert(Follow),
        [
            {"follower_id": a, "followed_id": b, "created_at": t0 + dt.timedelta(minutes=m)}
            for a, b, m in follows
        ],
    )
    await connection.execute(
        insert(Article),
        [
            {"id": 1, "title": "by u1", "body": "b", "author_id": 1, "created_at": t0},
            {"id": 2, "title": "old by u2", "body": "b", "author_id": 2, "created_at": t0},
            {
                "id": 3,
                "title": "new by u2",
                "body": "b",
                "author_id": 2,
                "created_at": t0 + dt.timedelta(days=1),
            },
            {
                "id": 4,
                "title": "by u3",
                "body": "b",
                "author_id": 3,
                "created_at": t0 + dt.timedelta(days=1),
            },
        ],
    )
    query = """query ($id: ID!, $u2: ID!, $u5: ID!) { node(id: $id) { ... on User {
        followers { totalCount edges { followedAt node { username } } }
        following { totalCount edges { followedAt node { username } } }
        isFollowing(userId: $u2) isFollowedBy(userId: $u2) f5: isFollowedBy(userId: $u5)
        bad: isFollowing(userId: "garbage")
        feed { totalCount nodes { title } }
        articles { nodes { title } } } } }"""
    data = await client.query(
        query, {"id": gid("User", 1), "u2": gid("User", 2), "u5": gid("User", 5)}
    )
    user = data["node"]
    assert user["followers"]["totalCount"] == 4
    assert [(e["node"]["username"], e["followedAt"]) for e in user["followers"]["edges"]] == [
        ("usr4", "2026-05-01T08:03:00.000001Z"),
        ("usr2", "2026-05-01T08:03:00.000001Z"),
        ("usr5", "2026-05-01T08:02:00.000001Z"),
        ("usr3", "2026-05-01T08:01:00.000001Z"),
    ]
    assert user["following"]["edges"] == [
        {"followedAt": "2026-05-01T08:05:00.000001Z", "node": {"username": "usr2"}}
    ]
    assert (user["isFollowing"], user["isFollowedBy"], user["f5"], user["bad"]) == (
        True,
        True,
        True,
        False,
    )
    assert user["feed"] == {
        "totalCount": 2,
        "nodes": [{"title": "new by u2"}, {"title": "old by u2"}],
    }
    assert user["articles"]["nodes"] == [{"title": "by u1"}]


async def test_node_and_nodes(client: GraphQLClient, connection: AsyncConnection) -> None:
    await connection.execute(insert(Student), [{"id": 7, "name": "Ada"}])
    query = """query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { id ... on Student { name } }
      nodes(ids: $ids) { id ... on Student { name } } }"""
    data = await client.query(
        query,
        {
            "id": gid("Student", 7),
            "ids": [gid("Student", 8), gid("Course", 7), "%%%", gid("Student", 7), "U3R1ZGVudDo="],
        },
    )
    assert data["node"] == {"id": gid("Student", 7), "name": "Ada"}
    assert data["nodes"] == [None, None, None, {"id": gid("Student", 7), "name": "Ada"}, None]
    for missing in (gid("Course", 7), gid("Nope", 7), "", "U3R1ZGVudDpY"):
        body = await client.execute("query ($id: ID!) { node(id: $id) { id } }", {"id": missing})
        assert body == {"data": {"node": None}, "extensions": body["extensions"]}


async def test_nodes_takes_at_most_a_hundred_ids(client: GraphQLClient) -> None:
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert await client.error_codes(query, {"ids": [gid("Student", i) for i in range(101)]}) == [
        "BAD_USER_INPUT"
    ]
    assert await client.query(query, {"ids": [gid("Student", i) for i in range(100)]}) == {
        "nodes": [None] * 100
    }
