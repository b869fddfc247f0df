"""The work budget (SPEC §3): a nested page costs the same over 100 children as over 10,000.

Work is counted, never timed (``tests.engine.work``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Article, Course, Follow, Student, User, registrations
from tests.engine.work import Statements, work
from tests.rows import insert_many
from tests.support import GraphQLClient, gid

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

SMALL, LARGE = 100, 10_000
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

COURSE_STUDENTS = """
query ($id: ID!) { node(id: $id) { ... on Course {
  students(PAGE) { nodes { name } pageInfo { hasNextPage hasPreviousPage } } } } }
"""
FOLLOWERS = """
query ($id: ID!) { node(id: $id) { ... on User {
  followers(PAGE) { edges { followedAt node { username } } pageInfo { hasNextPage } } } } }
"""
FOLLOWING = """
query ($id: ID!) { node(id: $id) { ... on User {
  following(PAGE) { edges { followedAt node { username } } pageInfo { hasNextPage } } } } }
"""
ARTICLES = """
query ($id: ID!) { node(id: $id) { ... on User {
  articles(PAGE) { nodes { title createdAt } pageInfo { hasNextPage } } } } }
"""
STUDENT_COURSES = """
query ($id: ID!) { node(id: $id) { ... on Student {
  courses(PAGE) { nodes { code } pageInfo { hasNextPage } } } } }
"""


def _stamp(i: int) -> dt.datetime:
    return START + dt.timedelta(minutes=i)


# Each parent's id, and the ids of its children: the small parent then the large.
FAMILIES = ((LARGE + 1, SMALL), (LARGE + 2, LARGE))


def _users() -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "username": f"user{i}",
            "display_name": f"User {i}",
            "password_hash": "-",
            "created_at": START,
        }
        for i in range(1, LARGE + 3)
    ]


def _follows(*, followers: bool) -> list[dict[str, Any]]:
    return [
        {
            "follower_id": i if followers else parent,
            "followed_id": parent if followers else i,
            "created_at": _stamp(i),
        }
        for parent, count in FAMILIES
        for i in range(1, count + 1)
    ]


def _registrations(*, students: bool) -> list[dict[str, Any]]:
    return [
        {"student_id": i if students else parent, "course_id": parent if students else i}
        for parent, count in FAMILIES
        for i in range(1, count + 1)
    ]


def _rows() -> dict[str, list[tuple[Any, list[dict[str, Any]]]]]:
    """What each list's two parents are made of, table by table."""
    students = [{"id": i, "name": f"Student {i:05}"} for i in range(1, LARGE + 3)]
    courses = [{"id": i, "code": f"C{i}", "title": f"Course {i}"} for i in range(1, LARGE + 3)]
    articles = [
        {"title": f"T{i}", "body": "-", "author_id": parent, "created_at": _stamp(i)}
        for parent, count in FAMILIES
        for i in range(count)
    ]
    on_courses = [(Student, students), (Course, courses)]
    return {
        COURSE_STUDENTS: [*on_courses, (registrations, _registrations(students=True))],
        STUDENT_COURSES: [*on_courses, (registrations, _registrations(students=False))],
        FOLLOWERS: [(User, _users()), (Follow, _follows(followers=True))],
        FOLLOWING: [(User, _users()), (Follow, _follows(followers=False))],
        ARTICLES: [(User, _users()), (Article, articles)],
    }


PARENT_TYPES = {
    COURSE_STUDENTS: "Course",
    STUDENT_COURSES: "Student",
    FOLLOWERS: "User",
    FOLLOWING: "User",
    ARTICLES: "User",
}


async def _parents(connection: AsyncConnection, query: str) -> tuple[str, str]:
    """Insert the two parents of the query's list; their global IDs, small then large."""
    for table, rows in _rows()[query]:
        await insert_many(connection, table, rows)
    # As the seed does after a bulk load: the planners see the skew. (Inside
    # the test's transaction, so it is rolled back with the rows.)
    await connection.exec_driver_sql("ANALYZE")
    (small, _), (large, _) = FAMILIES
    return gid(PARENT_TYPES[query], small), gid(PARENT_TYPES[query], large)


@pytest.mark.parametrize(
    "query",
    [COURSE_STUDENTS, FOLLOWERS, FOLLOWING, ARTICLES, STUDENT_COURSES],
    ids=["Course.students", "User.followers", "User.following", "User.articles", "Student.courses"],
)
@pytest.mark.parametrize("page", ["first: 10", "last: 10"])
async def test_a_nested_page_does_not_grow_with_the_collection(
    client: GraphQLClient,
    connection: AsyncConnection,
    statements: Statements,
    query: str,
    page: str,
) -> None:
    small, large = await _parents(connection, query)
    document = query.replace("PAGE", page)
    small_work, small_data = await work(client, connection, statements, document, {"id": small})
    large_work, large_data = await work(client, connection, statements, document, {"id": large})
    assert small_work == large_work
    # And the pages are the right ones: the first (or last) ten of each.
    for data in (small_data, large_data):
        [connection_field] = data["node"].values()
        listed = connection_field.get("nodes") or connection_field["edges"]
        assert len(listed) == 10


async def test_the_pages_over_the_index_are_the_collection_in_order(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    """The large course's students, walked forwards in pages, are all its students in id order."""
    _, large = await _parents(connection, COURSE_STUDENTS)
    walk = """
    query ($id: ID!, $after: String) { node(id: $id) { ... on Course {
      students(first: 100, after: $after) {
        nodes { name } pageInfo { hasNextPage endCursor } } } } }
    """
    names: list[str] = []
    after = None
    for _ in range(5):
        data = await client.query(walk, {"id": large, "after": after})
        page = data["node"]["students"]
        names += [node["name"] for node in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
    assert names == [f"Student {i:05}" for i in range(1, 501)]
