"""The cost rule: the values an answer can hold, estimated before anything runs.

And page sizes over the limit, which the estimates count as the largest
allowed, so that the argument's own ``BAD_USER_INPUT`` is what the client sees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from server.config import Settings, SettingsError
from server.db.engine import Database
from tests.support import GraphQLClient, serve

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

# About 1 KB asking for 33 MB: 100 courses, 83 students each, 5 courses each, 30 titles each.
TITLES = " ".join(f"a{i}: title" for i in range(30))
WIDE = f"""{{ courses(first: 100) {{ nodes {{ students(first: 83) {{ nodes {{
    courses(first: 5) {{ nodes {{ {TITLES} }} }} }} }} }} }} }}"""

# students, totalCount, pageInfo, hasNextPage: 1 each; edges, cursor, node, name,
# courses: 10 each (one per student); nodes, code, c, __typename: 30 each.
COUNTED = """query ($n: Int) { students(first: $n) {
  totalCount pageInfo { hasNextPage } edges { cursor node { ...N } } } }
  fragment N on Student { name courses(first: 3) { nodes { code c: code __typename } } }"""
COUNTED_COST = 4 + 5 * 10 + 4 * 30
PER_STUDENT = 5 + 4 * 3


@pytest.fixture
async def tight(settings: Settings, database: Database) -> AsyncIterator[GraphQLClient]:
    """A client of a server whose cost limit is exactly what ``COUNTED`` costs."""
    async with serve(replace(settings, max_cost=COUNTED_COST), database) as http:
        yield GraphQLClient(http)


async def test_a_small_document_asking_for_a_huge_answer_is_refused(client: GraphQLClient) -> None:
    assert len(WIDE) < 1_000
    refused = await client.refusal(WIDE)
    # 1 + 100 + 100 + 8,300 + 8,300 + 41,500 + 41,500 * 30 values
    assert refused == {
        "code": "QUERY_TOO_COMPLEX",
        "rule": "cost",
        "limit": 40_000,
        "measured": 1_303_301,
    }


# The benchmark's canonical traversal (Q1): its 17,854 values fit under the default.
TRAVERSAL = """{ students(first: 50) { pageInfo { hasNextPage endCursor }
  edges { cursor node { id name grade courses(first: 10) { nodes { id code title
    students(first: 10) { nodes { id name } } } } } } } }"""


async def test_the_canonical_traversal_fits_under_the_default(
    client: GraphQLClient, settings: Settings, database: Database
) -> None:
    await client.query(TRAVERSAL)
    async with serve(replace(settings, max_cost=17_853), database) as http:
        refused = await GraphQLClient(http).refusal(TRAVERSAL)
    assert refused["measured"] == 17_854


# What an app naturally asks first: both must pass the default limits.
NATURAL = [
    """{ students(first: 50) { nodes { id name courses(first: 20) { nodes { id code title
         students(first: 10) { nodes { id name } } } } } } }""",  # 35,201 values
    "{ courses(first: 100) { nodes { code students(first: 100) { nodes { name } } } } }",  # 20,301
]


@pytest.mark.parametrize("document", NATURAL, ids=["traversal", "rosters"])
async def test_the_natural_documents_pass_the_default_limits(
    client: GraphQLClient, settings: Settings, document: str
) -> None:
    assert settings.max_cost == Settings().max_cost  # the default
    body = await client.execute(document)
    assert "errors" not in body


async def test_every_value_counts_once_per_object_and_list_item(tight: GraphQLClient) -> None:
    await tight.query(COUNTED, {"n": 10})
    refused = await tight.refusal(COUNTED, {"n": 11})
    assert (refused["rule"], refused["limit"]) == ("cost", COUNTED_COST)
    assert refused["measured"] == COUNTED_COST + PER_STUDENT  # one student more


async def test_a_long_alias_counts_as_more_values(tight: GraphQLClient) -> None:
    # 1 + 50 + 50 names: under the limit, however the name is aliased ...
    await tight.query(f"{{ students(first: 50) {{ nodes {{ {'n' * 31}: name }} }} }}")
    # ... but a key of 64 characters or more counts as two more values per name.
    refused = await tight.refusal(f"{{ students(first: 50) {{ nodes {{ {'n' * 64}: name }} }} }}")
    assert refused["measured"] == 1 + 50 + 50 * 3


async def test_an_unsized_list_counts_the_default_page_size(tight: GraphQLClient) -> None:
    refused = await tight.refusal(COUNTED, {"n": None})
    assert refused["measured"] == 4 + 20 * PER_STUDENT


async def test_node_lookups_count_their_ids(settings: Settings, database: Database) -> None:
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }"
    async with serve(replace(settings, max_cost=30), database) as http:
        client = GraphQLClient(http)
        assert await client.query(query, {"ids": ["x"] * 10}) == {"nodes": [None] * 10}
        refused = await client.refusal(query, {"ids": ["x"] * 11})
    assert refused["measured"] == 33


@pytest.mark.parametrize(
    "query",
    [
        "{ students(first: 100000) { nodes { name } } }",
        "{ students(last: 100000) { nodes { name } } }",
        "{ courses(first: 10) { nodes { students(first: 100000) { nodes { name } } } } }",
    ],
)
async def test_a_page_size_over_the_limit_is_bad_input_not_too_complex(
    client: GraphQLClient, query: str
) -> None:
    body = await client.execute(query)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "between 0 and 100, not 100000" in error["message"]


async def test_too_many_ids_are_bad_input_not_too_complex(client: GraphQLClient) -> None:
    query = """query ($ids: [ID!]!) {
        nodes(ids: $ids) { ... on Student { courses(first: 10) { nodes { code } } } } }"""
    assert await client.error_codes(query, {"ids": ["x"] * 5_000}) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(("raw", "limit"), [(None, 40_000), ("", 40_000), ("500000", 500_000)])
def test_the_cost_limit_is_read_from_the_environment(raw: str | None, limit: int) -> None:
    env = {} if raw is None else {"CAMPUS_MAX_COST": raw}
    assert Settings.from_env(env).max_cost == limit


@pytest.mark.parametrize("raw", ["0", "-1", "lots"])
def test_a_cost_limit_that_is_no_count_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="CAMPUS_MAX_COST"):
        Settings.from_env({"CAMPUS_MAX_COST": raw})
