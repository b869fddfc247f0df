"""HTTP-level behaviour: what the endpoint takes on the wire, CORS, GET, health.

Every rule refuses the bad request and serves the good one beside it; a
refused request runs no resolver and no SQL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.config import Settings, SettingsError
from server.db.engine import Database
from tests.support import GraphQLClient, StatementCounter, serve

PREFLIGHT = {
    "Origin": "https://app.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}
CAP = 1_048_576
QUERY = {"query": "{ students { totalCount } }"}
SIGN_UP = {
    "query": "mutation ($input: SignUpInput!) { signUp(input: $input) { user { username } } }",
    "variables": {"input": {"username": "mallory", "password": "correct horse"}},
}


@pytest.fixture
async def cors_http(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    configured = dataclasses.replace(settings, cors_origins=("https://app.example",))
    async with serve(configured, database) as http:
        yield http


def _padded(size: int) -> bytes:
    """``QUERY`` as JSON, padded with trailing whitespace to exactly ``size`` bytes."""
    encoded = json.dumps(QUERY).encode()
    return encoded + b" " * (size - len(encoded))


def _message(response: httpx.Response) -> str:
    [error] = response.json()["errors"]
    message: str = error["message"]
    return message


async def test_a_body_up_to_the_cap_is_served_one_byte_more_is_refused(
    client: GraphQLClient, counter: StatementCounter
) -> None:
    json_type = {"Content-Type": "application/json"}
    served = await client.http.post("/graphql", content=_padded(CAP), headers=json_type)
    assert served.json()["data"] == {"students": {"totalCount": 0}}

    counter.statements.clear()
    refused = await client.http.post("/graphql", content=_padded(CAP + 1), headers=json_type)
    assert refused.status_code == 413
    assert _message(refused) == "The request body is over the limit of 1048576 bytes"
    assert counter.statements == []


async def test_the_cap_is_a_setting(settings: Settings, database: Database) -> None:
    assert Settings().max_body_bytes == Settings.from_env({}).max_body_bytes == CAP
    with pytest.raises(SettingsError, match="CAMPUS_MAX_BODY_BYTES must be at least 1"):
        Settings.from_env({"CAMPUS_MAX_BODY_BYTES": "0"})
    capped = Settings.from_env({"CAMPUS_MAX_BODY_BYTES": "2048"}).max_body_bytes
    json_type = {"Content-Type": "application/json"}

    async with serve(dataclasses.replace(settings, max_body_bytes=capped), database) as http:
        served = await http.post("/graphql", content=_padded(2048), headers=json_type)
        refused = await http.post("/graphql", content=_padded(2049), headers=json_type)

    assert served.json()["data"] == {"students": {"totalCount": 0}}
    assert _message(refused) == "The request body is over the limit of 2048 bytes"


async def test_a_declared_length_over_the_cap_is_refused_unread(client: GraphQLClient) -> None:
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        read += 1
        yield json.dumps(QUERY).encode()

    headers = {"Content-Type": "application/json", "Content-Length": str(CAP + 1)}
    response = await client.http.post("/graphql", content=body(), headers=headers)

    assert response.status_code == 413
    assert read == 0


async def test_a_chunked_body_is_cut_off_at_the_cap(
    client: GraphQLClient, counter: StatementCounter
) -> None:
    chunk = 64 * 1024
    sent = 0

    async def chunks(total: int) -> AsyncIterator[bytes]:
        nonlocal sent
        body = _padded(total)
        for start in range(0, total, chunk):
            sent += 1
            yield body[start : start + chunk]

    json_type = {"Content-Type": "application/json"}
    served = await client.http.post("/graphql", content=chunks(CAP), headers=json_type)
    assert served.json()["data"] == {"students": {"totalCount": 0}}
    assert "content-length" not in served.request.headers

    sent = 0
    counter.statements.clear()
    refused = await client.http.post("/graphql", content=chunks(16 * CAP), headers=json_type)
    assert refused.status_code == 413
    assert sent == CAP // chunk + 1  # the chunk that passed the cap, and no more
    assert counter.statements == []


NOT_JSON = {
    "form": {"data": {"query": SIGN_UP["query"]}},
    "multipart": {"files": {"operations": (None, json.dumps(SIGN_UP))}},
    "text": {"content": json.dumps(SIGN_UP), "headers": {"Content-Type": "text/plain"}},
    "lookalike": {"content": json.dumps(SIGN_UP), "headers": {"Content-Type": "application/jsonx"}},
    "untyped": {"content": json.dumps(SIGN_UP)},
}


@pytest.mark.parametrize("request_kwargs", NOT_JSON.values(), ids=NOT_JSON.keys())
async def test_a_post_that_is_not_json_never_reaches_a_resolver(
    client: GraphQLClient, counter: StatementCounter, request_kwargs: dict[str, Any]
) -> None:
    refused = await client.http.post("/graphql", **request_kwargs)

    assert refused.status_code == 415
    sent = refused.request.headers.get("Content-Type", "none").partition(";")[0]
    assert _message(refused) == f"Expected Content-Type application/json, got {sent}"
    assert counter.statements == []
    served = await client.http.post(
        "/graphql",
        content=json.dumps(SIGN_UP),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert served.json()["data"] == {"signUp": {"user": {"username": "mallory"}}}


BROKEN = {
    "malformed": (b'{"query": ', "Malformed JSON: Expecting value: line 1 column 11 (char 10)"),
    "empty": (b"", "Malformed JSON: Expecting value: line 1 column 1 (char 0)"),
    "not utf-8": (b'{"query": "\xff"}', "Malformed JSON: 'utf-8' codec can't decode byte 0xff"),
    "too deep": (b"[" * 100_000, "Malformed JSON: maximum recursion depth exceeded"),
    "string": (b'"x"', "Expected a JSON object, got a string"),
    "number": (b"1", "Expected a JSON object, got a number"),
    "null": (b"null", "Expected a JSON object, got null"),
    "boolean": (b"true", "Expected a JSON object, got a boolean"),
    "empty array": (b"[]", "Expected a JSON object, got an array"),
    "batch": (b'[{"query": "{ __typename }"}]', "Expected a JSON object, got an array"),
    "no query": (b"{}", "No GraphQL query found in the request"),
    "query not a string": (b'{"query": 1}', "`query` must be a string or null"),
    "variables a string": (
        b'{"query": "{ a }", "variables": "x"}',
        "`variables` must be an object",
    ),
    "variables an array": (b'{"query": "{ a }", "variables": []}', "`variables` must be an object"),
    "extensions a number": (
        b'{"query": "{ a }", "extensions": 1}',
        "`extensions` must be an object",
    ),
    "unknown operation": (b'{"query": "query A { a }", "operationName": "B"}', '"B"'),
}


@pytest.mark.parametrize(("body", "message"), BROKEN.values(), ids=BROKEN.keys())
async def test_a_broken_request_is_a_400_with_a_readable_message(
    client: GraphQLClient, counter: StatementCounter, body: bytes, message: str
) -> None:
    json_type = {"Content-Type": "application/json"}
    refused = await client.http.post("/graphql", content=body, headers=json_type)

    assert refused.status_code == 400
    assert refused.headers["Content-Type"] == "application/json"
    assert message in _message(refused)
    assert counter.statements == []
    served = await client.http.post("/graphql", content=json.dumps(QUERY), headers=json_type)
    assert served.json()["data"] == {"students": {"totalCount": 0}}


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


@pytest.mark.parametrize(
    "content_type", ["Application/JSON", "APPLICATION/JSON; charset=UTF-8", "application/Json"]
)
async def test_the_json_media_type_is_accepted_in_any_case(
    client: GraphQLClient, content_type: str
) -> None:
    served = await client.http.post(
        "/graphql", content=json.dumps(QUERY).encode(), headers={"Content-Type": content_type}
    )
    assert served.status_code == 200
    assert served.json()["data"] == {"students": {"totalCount": 0}}


@pytest.mark.parametrize("content_type", ["Text/Plain", "APPLICATION/JSONX", "Application/XML"])
async def test_what_is_not_json_is_refused_in_any_case(
    client: GraphQLClient, counter: StatementCounter, content_type: str
) -> None:
    counter.statements.clear()
    refused = await client.http.post(
        "/graphql", content=json.dumps(QUERY).encode(), headers={"Content-Type": content_type}
    )
    assert refused.status_code == 415
    assert _message(refused).startswith("Expected Content-Type application/json, got ")
    assert counter.statements == []
