"""Request ids on every response and log line; unexpected errors masked, with their id."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from server.config import Settings
from server.db.engine import Database
from server.http.app import create_app
from server.observability.logs import FORMAT, RequestIdFilter
from server.observability.request_id import RequestIdMiddleware
from tests.support import GraphQLClient

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """What the server logs, formatted as ``campus serve`` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.fixture
async def broken(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a database without tables: every read fails unexpectedly."""
    database = Database(replace(settings, database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db"))
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await database.dispose()


async def test_every_response_has_a_request_id(client: GraphQLClient) -> None:
    graphql = await client.http.post("/graphql", json={"query": "{ viewer { id } }"})
    health = await client.http.get("/healthz")
    missing = await client.http.get("/nowhere")

    ids = {r.headers["X-Request-ID"] for r in (graphql, health, missing)}
    assert len(ids) == 3
    assert all(len(i) == 32 for i in ids)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("abc-123_x.y", True), ("x" * 128, True), ("x" * 129, False), ("a b", False), ("", False)],
)
async def test_a_sane_client_id_is_echoed_any_other_replaced(
    client: GraphQLClient, sent: str, kept: bool
) -> None:
    response = await client.http.get("/healthz", headers={"X-Request-ID": sent})

    assert (response.headers["X-Request-ID"] == sent) is kept


async def test_an_unexpected_error_is_masked_and_logged_with_its_id(
    broken: httpx.AsyncClient, log: io.StringIO
) -> None:
    response = await broken.post(
        "/graphql",
        json={"query": "{ students { totalCount } }"},
        headers={"X-Request-ID": "req-42"},
    )

    body = response.json()
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-42"
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["students"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"},
        }
    ]
    assert "no such table" not in response.text
    logged = log.getvalue()
    assert "[req-42 -] Unexpected error in students" in logged
    assert "Traceback" in logged
    assert "no such table" in logged


async def test_32_concurrent_failures_are_each_masked_with_their_own_id(
    broken: httpx.AsyncClient, log: io.StringIO
) -> None:
    queries = ["{ students { totalCount } }", "{ courses(first: 3) { nodes { id } } }"]

    responses = await asyncio.gather(
        *(
            broken.post(
                "/graphql",
                json={"query": queries[i % 2]},
                headers={"X-Request-ID": f"storm-{i}"},
            )
            for i in range(32)
        )
    )

    for i, response in enumerate(responses):
        assert response.status_code == 200
        [error] = response.json()["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": f"storm-{i}"}
        for leak in ("no such table", "SELECT", "Traceback", ".py", "sqlite"):
            assert leak not in response.text
    logged = log.getvalue()
    assert all(f"[storm-{i} -] Unexpected error" in logged for i in range(32))


async def test_deliberate_errors_reach_the_client_and_stay_out_of_the_log(
    client: GraphQLClient, log: io.StringIO
) -> None:
    paging = await client.execute("{ students(first: -1) { totalCount } }")
    syntax = await client.execute("{ students(")
    unauthenticated = await client.execute(
        'mutation { createTeacher(input: {name: "x"}) { teacher { id } } }'
    )
    variables = await client.execute(
        "query($f: Int) { students(first: $f) { totalCount } }", {"f": "many"}
    )

    assert paging["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Syntax Error" in syntax["errors"][0]["message"]
    assert unauthenticated["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "$f" in variables["errors"][0]["message"]
    assert log.getvalue() == ""


async def test_a_crash_outside_graphql_gets_an_id_and_a_logged_traceback(
    log: io.StringIO,
) -> None:
    async def crashing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=RequestIdMiddleware(crashing))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/", headers={"X-Request-ID": "crash-1"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "crash-1"
    assert "[crash-1 -] Unhandled error in GET /" in log.getvalue()
    assert "RuntimeError: boom" in log.getvalue()
