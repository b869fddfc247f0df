"""Helpers for tests: a GraphQL client over the app, and data loading."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.engine.ids import encode_id
from server.config import Settings
from server.db import counters
from server.db.engine import Database
from server.http.app import create_app
from server.seeding.dataset import Sizes
from server.seeding.seed import load_tables

__all__ = [
    "App",
    "GraphQLClient",
    "StatementCounter",
    "gid",
    "load_dataset",
    "serve",
    "serve_own",
    "user_errors",
]


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


def user_errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    """The (field, code) of each user error in a mutation's payload."""
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


@asynccontextmanager
async def serve(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client over the app built with these settings."""
    transport = httpx.ASGITransport(app=create_app(settings, database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class StatementCounter:
    """Counts statements on the engine independently of the server's own counter."""

    CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(self.CONTROL):
            self.statements.append(statement)


class GraphQLClient:
    """Posts GraphQL over HTTP to the app, as a client would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        """The whole response body; the status must be 200."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        """The response's data; there must be no errors."""
        body = await self.execute(query, variables, **headers)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def cost(self, query: str, variables: dict[str, Any] | None = None) -> tuple[int, int]:
        """(statements, rows) the query cost, as the server counts them."""
        body = await self.execute(query, variables)
        assert "errors" not in body, body["errors"]
        sql = body["extensions"]["sql"]
        return sql["statements"], sql["rows"]

    async def error_codes(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        body = await self.execute(query, variables)
        return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]

    async def refusal(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The extensions of the one error a document over a limit gets, before any SQL."""
        body = await self.execute(query, variables)
        assert body["data"] is None, body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert body["extensions"]["sql"]["statements"] == 0
        return error["extensions"]  # type: ignore[no-any-return]


@dataclass
class App:
    """The app over a database where each request commits on its own connection, as deployed."""

    client: GraphQLClient
    database: Database
    settings: Settings

    async def count(self, stmt: Any) -> int:
        async with self.database.engine.connect() as connection:
            return int(await connection.scalar(stmt))

    async def drifts(self) -> list[counters.Drift]:
        """The kept columns (counters, copied names) that differ from their true values."""
        async with self.database.engine.connect() as connection:
            return await counters.drifts(connection)

    async def all(self, query: str, variables: list[dict[str, Any]], **headers: str) -> list[Any]:
        """Send every request at once; each must answer without a GraphQL error."""
        results = await asyncio.gather(*(self.client.query(query, v, **headers) for v in variables))
        return list(results)


@asynccontextmanager
async def serve_own(settings: Settings) -> AsyncIterator[App]:
    """The app over the database ``settings`` name, with an engine of its own."""
    database = Database(settings)
    transport = httpx.ASGITransport(app=create_app(settings, database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield App(GraphQLClient(http), database, settings)
    await database.dispose()


async def load_dataset(connection: AsyncConnection, seed: int = 0, **sizes: int) -> Sizes:
    """Insert a generated data set (all sizes zero unless given) in the test's transaction."""
    dataset = Sizes(**{field: sizes.get(field, 0) for field in Sizes.__dataclass_fields__})
    await load_tables(connection, dataset, seed, progress=False)
    return dataset
