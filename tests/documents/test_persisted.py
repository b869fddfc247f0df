"""Automatic persisted queries, Apollo's protocol, through the app on both back ends."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database
from server.db.models import PersistedDocument, Teacher
from server.documents.store import sha256
from tests.people import People
from tests.support import GraphQLClient, StatementCounter, serve, serve_own

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

COUNT = "{ students { totalCount } }"
COUNTED = {"students": {"totalCount": 0}}
PAGED = """query ($n: Int) { courses(first: $n) { nodes {
  students(first: $n) { nodes { courses(first: $n) { nodes { id } } } } } } }"""
CREATE = 'mutation { createTeacher(input: {name: "Ada"}) { teacher { name } } }'
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}
MISMATCH = {
    "errors": [
        {"message": "provided sha does not match query", "extensions": {"code": "BAD_REQUEST"}}
    ]
}


def _persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}


def _get(query: str, *, full: bool = False, **variables: Any) -> dict[str, str]:
    """The query string Apollo Client's link sends with ``useGETForHashedQueries``."""
    params = {"extensions": json.dumps(_persisted(query)), "variables": json.dumps(variables)}
    return {**params, "query": query} if full else params


async def _stored(connection: AsyncConnection) -> list[str]:
    rows = await connection.scalars(select(PersistedDocument.hash).order_by(PersistedDocument.hash))
    return list(rows)


async def test_a_hash_alone_is_not_found_until_the_query_is_sent_with_it(
    client: GraphQLClient, connection: AsyncConnection, counter: StatementCounter
) -> None:
    missing = await client.http.post("/graphql", json={"extensions": _persisted(COUNT)})
    assert (missing.status_code, missing.json()) == (200, NOT_FOUND)
    assert await _stored(connection) == []

    body = {"query": COUNT, "extensions": _persisted(COUNT)}
    sent = await client.http.post("/graphql", json=body)
    assert sent.json()["data"] == COUNTED
    assert await _stored(connection) == [sha256(COUNT)]

    counter.statements.clear()
    await client.query(COUNT)
    plain = list(counter.statements)
    counter.statements.clear()
    again = await client.http.post("/graphql", json={"extensions": _persisted(COUNT)})
    assert again.json()["data"] == COUNTED
    # The worker remembers the document: only the query's own statements run.
    assert counter.statements == plain


async def test_a_hash_that_does_not_match_its_query_is_refused_and_nothing_runs(
    client: GraphQLClient, connection: AsyncConnection, counter: StatementCounter
) -> None:
    wrong = {"query": COUNT, "extensions": _persisted("{ __typename }")}

    response = await client.http.post("/graphql", json=wrong)

    assert (response.status_code, response.json()) == (400, MISMATCH)
    assert counter.statements == []
    assert await _stored(connection) == []


async def test_malformed_persisted_query_extensions_are_400s(client: GraphQLClient) -> None:
    for extensions, message in [
        ({"persistedQuery": "abc"}, "extensions.persistedQuery must be an object"),
        (
            {"persistedQuery": {"version": 2, "sha256Hash": "a"}},
            "Unsupported persisted query version",
        ),
        (
            {"persistedQuery": {"version": 1, "sha256Hash": 7}},
            "extensions.persistedQuery.sha256Hash must be a string",
        ),
    ]:
        response = await client.http.post("/graphql", json={"extensions": extensions})
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == message


async def test_an_invalid_document_is_not_stored(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    for query in ("{ studens { totalCount } }", "{ students { "):
        body = {"query": query, "extensions": _persisted(query)}
        assert "errors" in (await client.http.post("/graphql", json=body)).json()
    assert await _stored(connection) == []


async def test_queries_run_by_hash_over_get_and_mutations_never_do(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    registered = await client.http.get("/graphql", params=_get(COUNT, full=True))
    assert registered.json()["data"] == COUNTED
    by_hash = await client.http.get("/graphql", params=_get(COUNT), headers={"Accept": "*/*"})
    assert (by_hash.status_code, by_hash.json()["data"]) == (200, COUNTED)

    refused = await client.http.get("/graphql", params=_get(CREATE, full=True))
    assert refused.status_code == 400
    assert await _stored(connection) == [sha256(COUNT)]

    headers = people.admin.headers
    body = {"query": CREATE, "extensions": _persisted(CREATE)}
    created = await client.http.post("/graphql", json=body, headers=headers)
    assert created.json()["data"] == {"createTeacher": {"teacher": {"name": "Ada"}}}
    again = await client.http.post(
        "/graphql", json={"extensions": _persisted(CREATE)}, headers=headers
    )
    assert again.json()["data"] == created.json()["data"]
    over_get = await client.http.get("/graphql", params=_get(CREATE), headers=headers)
    assert over_get.status_code == 400
    assert await connection.scalar(select(func.count()).select_from(Teacher)) == 2


async def test_limits_apply_to_a_stored_document_with_the_request_variables(
    client: GraphQLClient,
) -> None:
    small = {"query": PAGED, "variables": {"n": 2}, "extensions": _persisted(PAGED)}
    assert (await client.http.post("/graphql", json=small)).json()["data"] == {
        "courses": {"nodes": []}
    }

    large = {"variables": {"n": 100}, "extensions": _persisted(PAGED)}
    [error] = (await client.http.post("/graphql", json=large)).json()["errors"]

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["rule"] == "nodes"


async def test_the_store_keeps_the_most_recently_used_documents(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    queries = [f"{{ a{i}: students {{ totalCount }} }}" for i in range(3)]
    async with serve(replace(settings, max_persisted_documents=2), database) as http:
        for query in queries:
            body = {"query": query, "extensions": _persisted(query)}
            assert "errors" not in (await http.post("/graphql", json=body)).json()

    assert await _stored(connection) == sorted(sha256(q) for q in queries[1:])


async def test_a_document_stored_by_one_worker_runs_on_another(
    settings: Settings, own_database_url: str
) -> None:
    shared = replace(settings, database_url=own_database_url)
    async with serve_own(shared) as first, serve_own(shared) as second:
        missing = await second.client.http.post("/graphql", json={"extensions": _persisted(COUNT)})
        assert missing.json() == NOT_FOUND
        body = {"query": COUNT, "extensions": _persisted(COUNT)}
        assert (await first.client.http.post("/graphql", json=body)).json()["data"] == COUNTED

        ran = await second.client.http.post("/graphql", json={"extensions": _persisted(COUNT)})

    assert ran.json()["data"] == COUNTED


async def test_answers_over_get_carry_an_etag_and_match_if_none_match(
    client: GraphQLClient, settings: Settings, database: Database, people: People
) -> None:
    await client.http.get("/graphql", params=_get(COUNT, full=True))
    first = await client.http.get("/graphql", params=_get(COUNT))
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Vary"] == "Authorization"

    revalidated = await client.http.get(
        "/graphql", params=_get(COUNT), headers={"If-None-Match": f'W/{etag}, "other"'}
    )
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    assert revalidated.headers["ETag"] == etag

    signed_in = await client.http.get("/graphql", params=_get(COUNT), headers=people.alice.headers)
    posted = await client.http.post("/graphql", json={"extensions": _persisted(COUNT)})
    plain = await client.http.get("/graphql", params={"query": COUNT})
    missing = await client.http.get("/graphql", params=_get("{ __typename }"))
    for uncached in (signed_in, posted, plain, missing):
        assert uncached.status_code == 200
        assert "ETag" not in uncached.headers
    assert missing.headers["Cache-Control"] == "no-store"

    async with serve(replace(settings, public_max_age=300), database) as http:
        public = await http.get("/graphql", params=_get(COUNT))
    assert public.headers["Cache-Control"] == "public, max-age=300"
    assert public.headers["ETag"] == etag


async def test_a_body_too_large_or_broken_is_still_refused_first(client: GraphQLClient) -> None:
    broken = await client.http.get("/graphql", params={"extensions": "{", "variables": "{}"})
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["message"].startswith("Malformed JSON")
    not_object = await client.http.get("/graphql", params={"extensions": "[1]"})
    assert not_object.status_code == 400
