"""The ASGI application: GraphQL at /graphql, health at /healthz."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from schema.context import Context
from schema.errors import mask
from schema.root import schema
from server.auth import Auth
from server.config import Settings
from server.db import Database
from server.request_id import RequestIdMiddleware

__all__ = ["create_app"]


class CampusGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings, database: Database, auth: Auth) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self._settings = settings
        self._database = database
        self._auth = auth

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            settings=self._settings, database=self._database, auth=self._auth, request=request
        )

    def encode_json(self, data: object) -> bytes:
        # A nested page is a few hundred kilobytes of JSON: orjson writes it
        # in a fraction of the standard library's time.
        return orjson.dumps(data)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [mask(error) for error in result.errors]
        return await super().process_result(request, result)


class CampusApp(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's own error handling, so that its 500s carry the id too.
        return RequestIdMiddleware(super().build_middleware_stack())


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Build the app; the database (engine) is the one given, or made from the settings."""
    settings = settings or Settings.from_env()
    db = database or Database(settings)

    async def healthz(request: Request) -> Response:
        try:
            async with db.reader() as session:
                await session.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if database is None:
            await db.dispose()

    graphql = CampusGraphQL(settings, db, Auth(settings))
    return CampusApp(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/healthz", healthz)],
        middleware=_cors(settings),
        lifespan=lifespan,
    )


def _cors(settings: Settings) -> list[Middleware]:
    """CORS only for the origins configured; bearer tokens need no cookies (credentials)."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            allow_credentials=False,
            max_age=600,
        )
    ]
