"""Generated queries and mutations from the live schema: the server never fails.

Valid documents must come back as 200 with data or well-formed errors; invalid
ones as well-formed errors. No response may carry a 5xx, a traceback, SQL or
an internal error. Documents are sent anonymously and, so that mutations get
past signing in and reach their checks and writes, as an admin.
``CAMPUS_FUZZ_EXAMPLES`` sets how many documents each test tries (CI keeps it
small; set it high for a long run).
"""

from __future__ import annotations

import datetime as dt
import os
import string

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.engine.ids import encode_id
from schema.root import schema
from tests.people import People
from tests.support import GraphQLClient, load_dataset

EXAMPLES = int(os.environ.get("CAMPUS_FUZZ_EXAMPLES", "40"))
LEAKS = ("Traceback", "sqlalchemy", "SELECT ", "INSERT ", 'File "', "/site-packages/")

_ids = st.sampled_from(["Student", "Course", "Teacher", "User", "Article"]).flatmap(
    lambda kind: st.integers(1, 12).map(lambda pk: encode_id(kind, pk))
) | st.text(string.printable, max_size=12)
SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(dt.UTC)).map(
        lambda value: graphql.StringValueNode(value=value.isoformat())
    ),
    "ID": _ids.map(lambda value: graphql.StringValueNode(value=value)),
}

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def campus(connection: AsyncConnection) -> None:
    await load_dataset(
        connection,
        students=12,
        courses=6,
        teachers=3,
        registrations=30,
        users=12,
        follows=30,
        articles=20,
    )


async def _check(client: GraphQLClient, query: str, headers: dict[str, str] | None = None) -> None:
    response = await client.http.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code < 500, response.text
    assert not any(leak in response.text for leak in LEAKS), response.text
    body = response.json()
    for error in body.get("errors", []):
        assert isinstance(error["message"], str)
        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", body


@pytest.mark.usefixtures("campus")
@fuzz
@given(query=from_schema(schema.as_str(), custom_scalars=SCALARS, mode=Mode.POSITIVE))
async def test_valid_documents(client: GraphQLClient, query: str) -> None:
    await _check(client, query)


@pytest.mark.usefixtures("campus")
@fuzz
@given(query=from_schema(schema.as_str(), custom_scalars=SCALARS, mode=Mode.NEGATIVE))
async def test_invalid_documents(client: GraphQLClient, query: str) -> None:
    await _check(client, query)


@pytest.mark.usefixtures("campus")
@fuzz
@given(query=from_schema(schema.as_str(), custom_scalars=SCALARS, mode=Mode.POSITIVE))
async def test_valid_documents_as_an_admin(
    client: GraphQLClient, people: People, query: str
) -> None:
    await _check(client, query, people.admin.headers)


@pytest.mark.usefixtures("campus")
@fuzz
@given(query=from_schema(schema.as_str(), custom_scalars=SCALARS, mode=Mode.NEGATIVE))
async def test_invalid_documents_as_an_admin(
    client: GraphQLClient, people: People, query: str
) -> None:
    await _check(client, query, people.admin.headers)
