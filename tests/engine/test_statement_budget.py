"""The statement and row budgets (SPEC §3), counted, never timed.

One statement per relationship or connection field of the document plus one
per selected ``totalCount``; a nested ``first: n`` reads at most n+1 rows per
parent. The same query must cost the same statements on 10 rows as on 1,000.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database
from server.http.app import create_app
from tests.support import GraphQLClient, StatementCounter, gid, load_dataset, serve

# The reference executor's own ways (prepared reads have tests of their own).
pytestmark = pytest.mark.read_paths("off")

NESTED = """
{ students(first: 50) { edges { node { name
    courses(first: 10) { nodes { code
      students(first: 10) { nodes { name } } } } } } } }
"""

FOLLOWERS = """
query ($id: ID!) { node(id: $id) { ... on User {
  followers(first: 20) { edges { followedAt node { username
    articles(first: 5) { nodes { title createdAt } } } } } } } }
"""

FILTERED = """
{ students(first: 20,
  filter: {name: {contains: "an"}, courses: {some: {code: {startsWith: "CS"}}}}) {
  totalCount nodes { name grade } } }
"""

DEEP_PAGE = """
query ($after: String) {
  students(first: 20, after: $after) { nodes { name } pageInfo { endCursor } } }
"""


async def _cost(
    client: GraphQLClient, counter: StatementCounter, query: str, **variables: Any
) -> tuple[int, int]:
    counter.statements.clear()
    statements, rows = await client.cost(query, variables)
    assert statements == len(counter.statements), counter.statements
    return statements, rows


SMALL = {
    "students": 10,
    "courses": 10,
    "teachers": 3,
    "registrations": 30,
    "users": 10,
    "follows": 30,
    "articles": 30,
}
LARGE = {
    "students": 1000,
    "courses": 200,
    "teachers": 20,
    "registrations": 8000,
    "users": 1000,
    "follows": 6000,
    "articles": 3000,
}


@pytest.mark.parametrize("sizes", [SMALL, LARGE], ids=["10-rows", "1000-rows"])
async def test_nested_traversal_costs_one_statement_per_list(
    client: GraphQLClient,
    connection: AsyncConnection,
    counter: StatementCounter,
    sizes: dict[str, int],
) -> None:
    await load_dataset(connection, **sizes)
    statements, rows = await _cost(client, counter, NESTED)
    assert statements == 3
    data = await client.query(NESTED)
    students = [edge["node"] for edge in data["students"]["edges"]]
    courses = [c for s in students for c in s["courses"]["nodes"]]
    # A course listed under several students is read (with its students) once.
    distinct = {c["code"]: len(c["students"]["nodes"]) for c in courses}
    returned = len(students) + len(courses) + sum(distinct.values())
    # At most one extra row per list: the probe for hasNextPage.
    assert returned <= rows <= returned + 1 + len(students) + len(distinct)


@pytest.mark.parametrize("sizes", [SMALL, LARGE], ids=["10-rows", "1000-rows"])
async def test_followers_with_articles(
    client: GraphQLClient,
    connection: AsyncConnection,
    counter: StatementCounter,
    sizes: dict[str, int],
) -> None:
    await load_dataset(connection, **sizes)
    user = await connection.exec_driver_sql(
        "SELECT followed_id FROM follows GROUP BY followed_id"
        " ORDER BY count(*) DESC, followed_id LIMIT 1"
    )
    user_id = user.scalar_one()
    statements, rows = await _cost(client, counter, FOLLOWERS, id=gid("User", user_id))
    assert statements == 3  # the user, its followers, their articles
    data = await client.query(FOLLOWERS, {"id": gid("User", user_id)})
    edges = data["node"]["followers"]["edges"]
    returned = 1 + len(edges) + sum(len(e["node"]["articles"]["nodes"]) for e in edges)
    assert returned <= rows <= returned + 1 + len(edges)


@pytest.mark.parametrize("sizes", [SMALL, LARGE], ids=["10-rows", "1000-rows"])
async def test_relationship_filter_is_one_statement(
    client: GraphQLClient,
    connection: AsyncConnection,
    counter: StatementCounter,
    sizes: dict[str, int],
) -> None:
    await load_dataset(connection, **sizes)
    statements, rows = await _cost(client, counter, FILTERED)
    assert statements == 1  # the page, with its totalCount as a sub-select
    data = await client.query(FILTERED)
    assert rows <= len(data["students"]["nodes"]) + 1


@pytest.mark.parametrize("sizes", [SMALL, LARGE], ids=["10-rows", "1000-rows"])
async def test_deep_page_costs_what_the_first_page_costs(
    client: GraphQLClient,
    connection: AsyncConnection,
    counter: StatementCounter,
    sizes: dict[str, int],
) -> None:
    await load_dataset(connection, **sizes)
    first = await _cost(client, counter, DEEP_PAGE)
    cursor = None
    for _ in range(sizes["students"] // 20 - 1):
        data = await client.query(DEEP_PAGE, {"after": cursor})
        cursor = data["students"]["pageInfo"]["endCursor"]
    deep = await _cost(client, counter, DEEP_PAGE, after=cursor)
    assert first == (1, min(21, sizes["students"]))
    assert deep[0] == 1
    assert deep[1] <= 21


async def test_hundred_by_hundred_parents_stay_one_statement_per_level(
    settings: Settings,
    database: Database,
    connection: AsyncConnection,
    counter: StatementCounter,
) -> None:
    """More than 500 parents at a level: no IN list split into several statements."""
    await load_dataset(
        connection, students=100, courses=100, registrations=10_000, teachers=10, users=100
    )
    await connection.execute(text("UPDATE students SET user_id = NULL"))
    await connection.execute(text("UPDATE students SET user_id = id"))
    query = """
    { students(first: 100) { totalCount nodes { name
        courses(first: 100) { totalCount nodes { code teacher { name }
          students(first: 1) { nodes { name user { username } } } } } } } }
    """
    # An answer of some 90,000 values: past the default cost limit.
    async with serve(replace(settings, max_cost=100_000), database) as http:
        client = GraphQLClient(http)
        statements, _ = await _cost(client, counter, query)
        data = await client.query(query)
    # students (with its totalCount), courses, courses.totalCount, teacher,
    # course.students, student.user
    assert statements == 6
    assert len(data["students"]["nodes"]) == 100
    assert all(len(s["courses"]["nodes"]) == 100 for s in data["students"]["nodes"])


async def test_every_field_occurrence_costs_once_whatever_the_aliases(
    client: GraphQLClient, connection: AsyncConnection, counter: StatementCounter
) -> None:
    await load_dataset(connection, students=30, courses=10, teachers=3, registrations=90, users=10)
    query = """
    fragment C on Course { code teacher { name courses(first: 2) { totalCount } } }
    { a: students(first: 5) { nodes { courses(first: 2) { nodes { ...C } } } }
      b: students(first: 5, orderBy: [{field: NAME, direction: DESC}]) {
        edges { node { x: courses(first: 1) { nodes { code } }
                       y: courses(last: 1) { nodes { ...C } } } } } }
    """
    statements, _ = await _cost(client, counter, query)
    # a: students, courses, teacher, teacher.courses, totalCount = 5
    # b: students, x, y, y.teacher, teacher.courses, totalCount = 6
    assert statements == 11


async def test_first_requests_on_a_fresh_engine_resolve_siblings_safely(settings: Settings) -> None:
    """Sibling root fields share one session: the lock must keep them apart.

    A fresh engine (no pooled connection yet) is where concurrent use of one
    AsyncSession breaks first, so this builds a new one.
    """
    database = Database(settings)
    try:
        app = create_app(settings, database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = GraphQLClient(http)
            query = """{ a: students(first: 5) { totalCount nodes { courses { totalCount } } }
                        b: courses(first: 5) { totalCount nodes { students { totalCount } } }
                        c: users(first: 5) { totalCount } d: teachers { totalCount }
                        e: articles { totalCount } }"""
            results = await asyncio.gather(*(client.query(query) for _ in range(8)))
    finally:
        await database.dispose()
    assert all(result == results[0] for result in results)


async def test_a_failing_sibling_leaves_the_session_usable(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    """The executor cancels a failed field's siblings; their SQL must not be cut off."""
    await load_dataset(connection, students=60, courses=10, registrations=300)
    query = """{ a: students(first: 60) { nodes { courses { nodes { students { totalCount } } } } }
                 b: courses(first: -1) { totalCount } }"""
    for _ in range(5):
        body = await client.execute(query)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    data = await client.query("{ students { totalCount } }")
    assert data["students"]["totalCount"] == 60
