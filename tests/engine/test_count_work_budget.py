"""The work budget for counts (SPEC §3): ordering or filtering by a count costs a page.

``users(first: 20, orderBy: FOLLOWER_COUNT DESC)``, a page deep in that order,
and a ``count`` filter each do the same work over 1,000 users as over 10,000
(work counted as ``tests.engine.work`` counts it), on both back ends and both
read paths: the counters are columns, indexed with the id.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import orjson
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Follow, User
from tests.engine.work import Statements, work
from tests.rows import insert_many
from tests.support import GraphQLClient

pytestmark = pytest.mark.read_paths("off", "all")

SMALL, LARGE = 1_000, 10_000
# The first few users follow the others: user i has i % FANS followers.
FANS = 5
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

BY_FOLLOWERS = """query ($after: String) {
  users(first: 20, after: $after, orderBy: [{field: FOLLOWER_COUNT, direction: DESC}]) {
    edges { cursor node { username } } pageInfo { hasNextPage hasPreviousPage } } }"""
BY_ARTICLES = """query ($after: String) {
  users(first: 20, after: $after, orderBy: [{field: ARTICLE_COUNT, direction: ASC}]) {
    edges { cursor node { username } } pageInfo { hasNextPage hasPreviousPage } } }"""
FOLLOWED = """query ($after: String) {
  users(first: 20, after: $after, filter: {followers: {count: {gte: 3}}}) {
    edges { cursor node { username } } pageInfo { hasNextPage hasPreviousPage } } }"""


def _followers(pk: int) -> int:
    return 0 if pk <= FANS else pk % FANS


async def _users(connection: AsyncConnection, first: int, last: int) -> None:
    """Users ``first`` to ``last``, each followed by as many of the first users as it says."""
    await connection.execute(
        insert(User),
        [
            {
                "id": i,
                "username": f"user{i:05}",
                "display_name": f"User {i}",
                "password_hash": "-",
                "created_at": START,
            }
            for i in range(first, last + 1)
        ],
    )
    follows = [
        {"follower_id": fan, "followed_id": i, "created_at": START}
        for i in range(max(first, FANS + 1), last + 1)
        for fan in range(1, _followers(i) + 1)
    ]
    await insert_many(connection, Follow, follows)
    # Only the tables filled: ANALYZE writes row counts that outlive a rollback.
    for table in ("users", "follows"):
        await connection.exec_driver_sql(f"ANALYZE {table}")


def _deep(first_page: dict[str, Any], values: list[Any]) -> str:
    """A cursor of the same list and order as the page's, on the row of ``values``."""
    cursor = first_page["users"]["edges"][0]["cursor"]
    name, signature, _ = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw = orjson.dumps([name, signature, values])
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _middle(count: int, query: str) -> list[Any]:
    """The sort key of the row halfway through the list the query pages."""
    if query is BY_FOLLOWERS:
        order = sorted(range(1, count + 1), key=lambda i: (_followers(i), i), reverse=True)
        row = order[count // 2]
        return [_followers(row), row]
    assert query is BY_ARTICLES
    return [0, count // 2]


# Past a cursor, a filter's page costs what reaching its matches costs (the
# planner may read the counter's index over every match); never a count.
CASES = [
    (BY_FOLLOWERS, False),
    (BY_FOLLOWERS, True),
    (BY_ARTICLES, False),
    (BY_ARTICLES, True),
    (FOLLOWED, False),
]


@pytest.mark.parametrize(
    ("query", "deep"),
    CASES,
    ids=[
        "FOLLOWER_COUNT first page",
        "FOLLOWER_COUNT deep page",
        "ARTICLE_COUNT first page",
        "ARTICLE_COUNT deep page",
        "count filter",
    ],
)
async def test_a_count_order_or_filter_costs_a_page_however_many_rows(
    client: GraphQLClient,
    connection: AsyncConnection,
    statements: Statements,
    query: str,
    deep: bool,
) -> None:
    measured = []
    for first, count in ((1, SMALL), (SMALL + 1, LARGE)):  # 1,000 users, then 9,000 more
        await _users(connection, first, count)
        variables: dict[str, Any] = {"after": None}
        if deep:
            page = await client.query(query, variables)
            variables["after"] = _deep(page, _middle(count, query))
        done, data = await work(client, connection, statements, query, variables)
        assert len(data["users"]["edges"]) == 20
        assert data["users"]["pageInfo"]["hasPreviousPage"] is deep
        measured.append(done)
    small, large = measured
    assert small == large
