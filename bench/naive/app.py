"""The naive baseline's schema and ASGI app."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from bench.naive.context import NaiveContext
from bench.naive.query import Query
from bench.naive.types import Article, Course, Student, User
from schema.common.scalars import DateTime
from server.config import Settings
from server.db.engine import Database, SqlStats, sql_stats

__all__ = ["create_app", "schema"]


class _RequestScope(SchemaExtension):
    """Closes the request's session and reports its SQL cost, as the campus server does."""

    _stats: SqlStats | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        async with sql_stats() as stats:
            try:
                yield
            finally:
                if isinstance(context, NaiveContext):
                    await context.close()
        self._stats = stats

    def get_results(self) -> dict[str, Any]:
        if self._stats is None:
            return {}
        return {"sql": {"statements": self._stats.statements, "rows": self._stats.rows}}


schema = strawberry.Schema(
    query=Query,
    types=[Student, Course, User, Article],
    extensions=[_RequestScope],
    config=StrawberryConfig(scalar_map={dt.datetime: DateTime}),
)


class _NaiveGraphQL(GraphQL[NaiveContext, None]):
    def __init__(self, database: Database) -> None:
        super().__init__(schema, graphql_ide=None)
        self._database = database

    async def get_context(self, request: Any, response: Any) -> NaiveContext:
        return NaiveContext(self._database)


def create_app() -> Starlette:
    """The baseline's ASGI app, on the database that ``DATABASE_URL`` names."""
    database = Database(Settings.from_env())

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await database.dispose()

    return Starlette(
        routes=[
            Route("/graphql", _NaiveGraphQL(database), methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
