"""Signing the write mix's clients in on the campus server: one admin, a few users.

Generated users cannot log in, so the benchmark signs up its own through the
API. The admin is made with ``campus create-admin`` when the command exists;
otherwise the benchmark, which owns the database, promotes a signed-up user.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bench.database import CAMPUS, Backend, connect
from bench.httpclient import HttpConnection, json_request
from bench.servers import HOST, BenchError

__all__ = ["MUTATIONS", "Accounts", "graphql", "missing_mutations", "sign_in_clients"]

MUTATIONS = ("signUp", "logIn", "enrollStudent", "withdrawStudent", "follow", "unfollow")
PASSWORD = "bench-password-1"
ADMIN = "bench_admin"

_SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token user { id } userErrors { code message } }
}"""
_LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { token user { id } userErrors { code message } }
}"""


@dataclass(frozen=True)
class Accounts:
    admin_token: str
    user_tokens: dict[int, str]  # user pk -> bearer token


async def graphql(
    connection: HttpConnection,
    port: int,
    document: str,
    variables: Mapping[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """One GraphQL request; its whole answer, which must have no errors."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    payload = {"query": document, "variables": dict(variables or {})}
    status, body = await connection.request(json_request(HOST, port, "/graphql", payload, headers))
    answer: dict[str, Any] = json.loads(body) if body else {}
    if status != 200 or answer.get("errors") or "data" not in answer:
        raise BenchError(f"GraphQL request failed (HTTP {status}): {body[:500]!r}")
    return answer


async def missing_mutations(connection: HttpConnection, port: int) -> list[str]:
    answer = await graphql(connection, port, '{ __type(name: "Mutation") { fields { name } } }')
    found = answer["data"]["__type"]
    names = {f["name"] for f in found["fields"]} if found else set()
    return [name for name in MUTATIONS if name not in names]


async def sign_in_clients(
    connection: HttpConnection, port: int, backend: Backend, env: Mapping[str, str], users: int
) -> Accounts:
    """An admin token and ``users`` signed-up users with their tokens."""
    tokens: dict[int, str] = {}
    for i in range(1, users + 1):
        pk, token = await _auth(connection, port, _SIGN_UP, f"bench_user_{i}")
        tokens[pk] = token
    if not _create_admin_command(backend, env):
        await _auth(connection, port, _SIGN_UP, ADMIN)
        async with connect(backend.url) as db:
            await db.execute(
                text("UPDATE users SET is_admin = :yes WHERE username = :name"),
                {"yes": True, "name": ADMIN},
            )
            await db.commit()
    _, admin_token = await _auth(connection, port, _LOG_IN, ADMIN)
    return Accounts(admin_token, tokens)


async def _auth(
    connection: HttpConnection, port: int, document: str, username: str
) -> tuple[int, str]:
    answer = await graphql(
        connection, port, document, {"input": {"username": username, "password": PASSWORD}}
    )
    [payload] = answer["data"].values()
    if payload["userErrors"] or not payload["token"]:
        raise BenchError(f"cannot sign in {username}: {payload['userErrors']}")
    pk = int(base64.b64decode(payload["user"]["id"]).decode().partition(":")[2])
    return pk, str(payload["token"])


def _create_admin_command(backend: Backend, env: Mapping[str, str]) -> bool:
    """Make the admin with ``campus create-admin``; False when there is no such command."""
    try:
        done = subprocess.run(
            [CAMPUS, "create-admin", ADMIN],
            env={
                **os.environ,
                **env,
                "DATABASE_URL": backend.url,
                "CAMPUS_ADMIN_PASSWORD": PASSWORD,
            },
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0
