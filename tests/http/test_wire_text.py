"""Text that is no value of any field: refused where it comes in, never a server error.

A lone surrogate in the request's JSON, a forged cursor, an ID past the id
columns' range, a persisted-query hash that is no SHA-256, a date with a NUL:
each gets a clear error (or matches nothing) on both back ends.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest
from httpx_ws import WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.engine.ids import LARGEST_PK
from server.config import Settings
from tests.live.sockets import serve_live
from tests.people import People
from tests.rows import add_teacher, snapshot
from tests.support import GraphQLClient, StatementCounter, gid

LONE = "Malformed JSON: a string holds a lone surrogate (U+D800), which is no character"
CREATE_TEACHER = """
mutation Create($input: CreateTeacherInput!) {
  createTeacher(input: $input) { teacher { name } userErrors { field code } }
}
"""
PAGE = """query Page($after: String) {
  teachers(first: 1, after: $after, orderBy: [{field: NAME, direction: ASC}]) {
    edges { cursor node { name } }
  }
}"""


async def _post(client: GraphQLClient, body: dict[str, Any], **headers: str) -> tuple[int, Any]:
    """Post ``body`` as JSON written ASCII-only, so that lone surrogates go as escapes."""
    response = await client.http.post(
        "/graphql",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"query": CREATE_TEACHER, "variables": {"input": {"name": "Ada\ud800"}}},
        {"query": CREATE_TEACHER, "variables": {"input": {"name": "Ada", "\ud800": 1}}},
        {"query": CREATE_TEACHER, "variables": {"input": {"name": "Ada"}, "\ud800": 1}},
        {"query": CREATE_TEACHER, "operationName": "\ud800"},
        {"query": "{ __typename }", "extensions": {"persistedQuery": {"sha256Hash": "\ud800"}}},
        {"query": '{ teachers(filter: {name: {eq: "\ud800"}}) { totalCount } }'},
    ],
    ids=["value", "input key", "variable name", "operation name", "extensions", "query"],
)
async def test_a_lone_surrogate_anywhere_in_the_json_is_a_400(
    client: GraphQLClient,
    connection: AsyncConnection,
    people: People,
    counter: StatementCounter,
    body: dict[str, Any],
) -> None:
    before = await snapshot(connection)
    counter.statements.clear()

    status, answer = await _post(client, body, **people.admin.headers)

    assert (status, answer) == (400, {"errors": [{"message": LONE}]})
    assert counter.statements == []
    assert await snapshot(connection) == before


async def test_a_lone_surrogate_in_get_variables_is_a_400(client: GraphQLClient) -> None:
    params = {"query": "query ($n: String) { __typename }", "variables": '{"n": "\\ud800"}'}
    response = await client.http.get("/graphql", params=params)
    assert (response.status_code, response.json()) == (400, {"errors": [{"message": LONE}]})


async def test_an_escaped_surrogate_pair_is_one_character(
    client: GraphQLClient, people: People
) -> None:
    body = {"query": CREATE_TEACHER, "variables": {"input": {"name": "Ada \U0001f393"}}}
    assert '"Ada \\ud83c\\udf93"' in json.dumps(body)

    status, answer = await _post(client, body, **people.admin.headers)

    assert status == 200
    assert answer["data"]["createTeacher"]["teacher"] == {"name": "Ada \U0001f393"}


async def test_a_socket_message_with_a_lone_surrogate_closes_the_socket(
    settings: Settings, own_database_url: str
) -> None:
    async with (
        serve_live(replace(settings, database_url=own_database_url)) as live,
        live.socket() as socket,
    ):
        subscribe = {"query": "subscription { feedArticleAdded { title } }", "variables": {}}
        subscribe["variables"] = {"x": "\ud800"}
        message = {"id": "1", "type": "subscribe", "payload": subscribe}
        await socket.ws.send_text(json.dumps(message))
        with pytest.raises(WebSocketDisconnect) as closed:
            await socket.receive()
    assert closed.value.code == 4400


def _forged(cursor: str, values: list[Any]) -> str:
    """``cursor`` with its sort-key values replaced."""
    name, signature, _ = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw = json.dumps([name, signature, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


async def test_a_forged_cursor_is_bad_user_input_whatever_it_holds(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    ada = await add_teacher(connection, "Ada")
    await add_teacher(connection, "Bob")
    [edge] = (await client.query(PAGE))["teachers"]["edges"]
    assert _forged(edge["cursor"], ["Ada", ada]) == edge["cursor"]

    forgeries: list[list[Any]] = [
        ["Ada\u0000", ada],  # no text holds a NUL
        ["Ada\ud800", ada],  # nor a lone surrogate
        [7, ada],  # a number for a name
        ["Ada", "1"],  # a text for an id
        ["Ada", True],
        ["Ada", LARGEST_PK + 1],  # past the id column's range
        ["Ada", 2**70],
        ["Ada", -1],
    ]
    for values in forgeries:
        body = await client.execute(PAGE, {"after": _forged(edge["cursor"], values)})
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], values

    after = await client.query(PAGE, {"after": _forged(edge["cursor"], ["Ada", LARGEST_PK])})
    assert after["teachers"]["edges"][0]["node"] == {"name": "Bob"}


async def test_an_id_past_the_id_columns_names_nothing(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    teacher = await add_teacher(connection, "Ada")
    before = await snapshot(connection)
    query = """query Node($id: ID!) {
      node(id: $id) { id }
      nodes(ids: [$id]) { id }
      viewer { isFollowing(userId: $id) isFollowedBy(userId: $id) }
    }"""
    for pk in (LARGEST_PK + 1, 10**17):
        data = await client.query(query, {"id": gid("User", pk)}, **people.admin.headers)
        assert data == {
            "node": None,
            "nodes": [None],
            "viewer": {"isFollowing": False, "isFollowedBy": False},
        }
        update = """mutation Update($input: UpdateTeacherInput!) {
          updateTeacher(input: $input) { userErrors { field code } }
        }"""
        data = await client.query(
            update, {"input": {"id": gid("Teacher", pk), "name": "X"}}, **people.admin.headers
        )
        assert data["updateTeacher"]["userErrors"] == [
            {"field": ["input", "id"], "code": "NOT_FOUND"}
        ]
    assert await snapshot(connection) == before
    assert (await client.query(query, {"id": gid("Teacher", teacher)}))["node"] is not None


@pytest.mark.parametrize(
    "digest",
    ["abc\u0000", "\u0000" * 64, "A" * 64, "g" * 64, ""],
    ids=["nul", "nuls", "upper case", "not hex", "empty"],
)
async def test_a_persisted_query_hash_that_is_no_sha256_is_never_looked_up(
    client: GraphQLClient, counter: StatementCounter, digest: str
) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}

    status, answer = await _post(client, {"extensions": extensions})

    assert (status, answer["errors"][0]["extensions"]["code"]) == (200, "PERSISTED_QUERY_NOT_FOUND")
    assert counter.statements == []


async def test_a_date_time_with_a_nul_is_no_date_time(client: GraphQLClient) -> None:
    query = "query ($t: DateTime) { articles(filter: {createdAt: {gt: $t}}) { totalCount } }"
    body = await client.execute(query, {"t": "2026-11-21T09:30:00\u0000"})
    assert body["data"] is None
    assert "Invalid DateTime" in body["errors"][0]["message"]
