"""HTTP-level behaviour: CORS, GET, health."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from server.app import create_app
from server.config import Settings
from server.db import Database
from tests.support import GraphQLClient

PREFLIGHT = {
    "Origin": "https://app.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
async def cors_http(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    configured = dataclasses.replace(settings, cors_origins=("https://app.example",))
    transport = httpx.ASGITransport(app=create_app(configured, database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_cors_is_off_unless_configured(client: GraphQLClient) -> None:
    response = await client.http.options("/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in response.headers
    posted = await client.http.post(
        "/graphql",
        json={"query": "{ students { totalCount } }"},
        headers={"Origin": "https://app.example"},
    )
    assert "access-control-allow-origin" not in posted.headers


async def test_cors_answers_configured_origins_only(cors_http: httpx.AsyncClient) -> None:
    allowed = await cors_http.options("/graphql", headers=PREFLIGHT)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    other = await cors_http.options(
        "/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"}
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


async def test_mutations_are_never_accepted_over_get(client: GraphQLClient) -> None:
    mutation = 'mutation { logIn(input: {username: "nobody", password: "whatever1"}) { token } }'
    response = await client.http.get("/graphql", params={"query": mutation})
    assert response.status_code in (400, 405)
    queried = await client.http.get("/graphql", params={"query": "{ students { totalCount } }"})
    assert queried.json()["data"] == {"students": {"totalCount": 0}}


async def test_health(client: GraphQLClient) -> None:
    response = await client.http.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}
