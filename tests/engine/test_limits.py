"""Query limits: each refuses the bad document and accepts the good one beside it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from graphql import Source, TokenKind, get_introspection_query
from graphql.language import Lexer
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database
from tests.people import People
from tests.rows import snapshot
from tests.support import GraphQLClient, serve

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")


def _nested(levels: int) -> str:
    """students → courses → students … with ``levels`` connections below the root list."""
    query = "name" if levels % 2 == 0 else "code"
    for level in reversed(range(levels)):
        field = "courses" if level % 2 == 0 else "students"
        query = f"{field}(first: 1) {{ nodes {{ {query} }} }}"
    return f"{{ students(first: 1) {{ nodes {{ {query} }} }} }}"


async def test_depth(client: GraphQLClient) -> None:
    # The root list and `nodes`, two levels per nested list, and the leaf.
    await client.query(_nested(6))  # 2 + 6 * 2 + 1 = 15 levels
    refused = await client.refusal(_nested(7))
    assert refused == {"code": "QUERY_TOO_COMPLEX", "rule": "depth", "limit": 15, "measured": 17}


async def test_depth_follows_fragments(client: GraphQLClient) -> None:
    query = """fragment Deep on Course { students(first: 1) { nodes { courses(first: 1) { nodes {
        students(first: 1) { nodes { courses(first: 1) { nodes { students(first: 1) { nodes {
        courses(first: 1) { nodes { code } } } } } } } } } } } } }
      { students(first: 1) { nodes { courses(first: 1) { nodes { ...Deep } } } } }"""
    refused = await client.refusal(query)
    assert refused["rule"] == "depth"
    assert refused["measured"] == 17


async def test_aliases(client: GraphQLClient) -> None:
    thirty = " ".join(f"a{i}: teachers(first: 1) {{ totalCount }}" for i in range(30))
    await client.query(f"{{ {thirty} }}")
    refused = await client.refusal(f"{{ {thirty} b: courses(first: 1) {{ totalCount }} }}")
    assert (refused["rule"], refused["measured"]) == ("aliases", 31)


def _filtered(items: int) -> str:
    alternatives = ", ".join(f'{{name: {{eq: "s{i}"}}}}' for i in range(items))
    return f"{{ students(first: 1, filter: {{or: [{alternatives}]}}) {{ totalCount }} }}"


def _tokens(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


async def test_tokens(client: GraphQLClient) -> None:
    items = max(n for n in range(600) if _tokens(_filtered(n)) <= 5_000)
    await client.query(_filtered(items))
    refused = await client.refusal(_filtered(items + 1))
    assert refused["rule"] == "tokens"
    assert refused["measured"] == 5_001  # counting stops one past the limit


NODES = """query ($a: Int!, $b: Int!, $c: Int!) {
  students(first: $a) { nodes {
    courses(first: $b) { nodes { students(first: $c) { nodes { name } } } } } } }"""


async def test_node_estimate_reads_variables(settings: Settings, database: Database) -> None:
    # 100 + 100*100 + 100*100*4 = 50,100 > 50,000; with 3: 100 + 10,000 + 30,000.
    async with serve(replace(settings, max_cost=1_000_000), database) as http:
        client = GraphQLClient(http)  # the node estimate alone, not the cost
        await client.query(NODES, {"a": 100, "b": 100, "c": 3})
        refused = await client.refusal(NODES, {"a": 100, "b": 100, "c": 4})
    assert refused == {
        "code": "QUERY_TOO_COMPLEX",
        "rule": "nodes",
        "limit": 50_000,
        "measured": 50_100,
    }


async def test_node_estimate_uses_the_default_page_size(client: GraphQLClient) -> None:
    # 20 per unsized list: 20 + 400 + 8,000 + 160,000 > 50,000.
    query = """{ students { nodes { courses { nodes {
        students { nodes { courses { totalCount } } } } } } } }"""
    refused = await client.refusal(query)
    assert refused["measured"] == 168_420


async def test_a_kept_measure_is_of_the_app_its_request_reaches(
    settings: Settings, database: Database
) -> None:
    # A document's measures are kept between requests, by the page sizes they assume.
    query = """{ students { nodes { courses { nodes {
        students { nodes { courses { totalCount } } } } } } } }"""
    async with serve(settings, database) as http:
        client = GraphQLClient(http)
        first, again = await client.refusal(query), await client.refusal(query)
    async with serve(replace(settings, default_page_size=15), database) as http:
        smaller = await GraphQLClient(http).refusal(query)
    assert (first["measured"], again["measured"]) == (168_420, 168_420)
    assert smaller["measured"] == 15 + 15**2 + 15**3 + 15**4  # 54,240


async def test_node_estimate_follows_fragments_and_node_lookups(client: GraphQLClient) -> None:
    query = """query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Student { ...C } } }
      fragment C on Student {
        courses(first: 100) { nodes { students(first: 100) { totalCount } } } }"""
    refused = await client.refusal(query, {"ids": ["x"] * 10})
    # 10 nodes + 10*100 courses + 10*100*100 students
    assert refused["measured"] == 101_010


async def test_graphiql_introspection_passes(client: GraphQLClient) -> None:
    data = await client.query(get_introspection_query())
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_argument_errors_come_before_the_estimates(client: GraphQLClient) -> None:
    # 100 courses of 1,000 students: over the cost limit, but first of all a page size over 100.
    body = await client.execute(
        "{ courses(first: 100) { nodes { code students(first: 1000) { nodes { name } } } } }"
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`first` must be between 0 and 100, not 1000" in error["message"]


async def test_a_mutation_whose_answer_would_be_refused_changes_nothing(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    before = await snapshot(connection)
    body = await client.execute(
        'mutation { createTeacher(input: {name: "Probe"}) {'
        " teacher { courses(first: -5) { totalCount } } } }",
        {},
        **people.admin.headers,
    )
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert await snapshot(connection) == before
