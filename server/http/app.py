"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from schema.root import schema
from server.config import Settings
from server.db.engine import Database
from server.http import graphiql
from server.http.health import Readiness, database_answers, watch_signals
from server.http.prepared import Plans, PreparedReads
from server.http.transport import TransportRules
from server.http.view import CampusGraphQL
from server.live import Hub
from server.observability.request_id import RequestIdMiddleware
from server.security.auth import Auth

__all__ = ["create_app"]


class CampusApp(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's own error handling, so that its 500s carry the id too.
        return RequestIdMiddleware(super().build_middleware_stack())


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Build the app; the database (engine) is the one given, or made from the settings."""
    settings = settings or Settings.from_env()
    db = database or Database(settings)

    readiness = Readiness(db)

    async def healthz(request: Request) -> Response:
        if not await database_answers(db):
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    hub = Hub(settings, db)

    async def readyz(request: Request) -> Response:
        problem = await readiness.problem()
        if problem is not None:
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watch_signals()
        loop = type(asyncio.get_running_loop()).__module__.partition(".")[0]
        logging.getLogger("campus").info("Worker %d runs on the %s event loop", os.getpid(), loop)
        yield
        await hub.close()
        if database is None:
            await db.dispose()

    auth = Auth(settings)
    plans = Plans(schema._schema, settings)
    view = CampusGraphQL(settings, db, auth, hub, plans)
    entry: ASGIApp = view
    if settings.prepared_reads != "off":
        entry = PreparedReads(view, plans, settings, db, auth, view.documents)
    graphql = TransportRules(entry, max_body_bytes=settings.max_body_bytes)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if settings.graphiql:
        routes += graphiql.asset_routes()
    if settings.metrics:
        # Imported here: prometheus_client must first see the multiprocess directory.
        from server.observability import metrics

        metrics.metrics().watch_pool(db.engine)

        async def metrics_endpoint(request: Request) -> Response:
            return Response(metrics.scrape(), media_type=metrics.CONTENT_TYPE_LATEST)

        routes.append(Route("/metrics", metrics_endpoint))
    middleware = _cors(settings)
    if settings.tracing:
        # Imported here: OpenTelemetry is an optional extra.
        from server.observability.tracing import middleware as tracing

        middleware.insert(0, tracing(db))
    app = CampusApp(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.plans = plans
    return app


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
