"""The floor's ASGI app: each query at ``/rows/qN`` and at ``/json/qN``, and the write mix.

``/rows/qN`` runs the query's plan (``bench.floor.rows``) and writes the
answer with orjson, as campus does; ``/json/qN`` runs the one statement that
writes the answer's ``data`` (``bench.floor.answers_sql``) and passes its
text through. Both answer with ``extensions.sql``, as campus does with
``CAMPUS_SQL_STATS=1``. ``/w`` makes one link change in a write transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.cursors import decode_cursor
from bench.floor import rows
from bench.floor.answers_sql import json_statements
from bench.floor.drivers import Cost, Reads, open_reads
from bench.floor.sql import row_statements, write_statements
from server.config import Settings
from server.db.engine import Database, sql_stats

__all__ = ["create_app"]

Json = dict[str, Any]
Endpoint = Callable[[Request], Awaitable[Response]]

# What each query's one statement is, with its parameters, for the request's variables.
_Chooser = Callable[[Json], tuple[str, Json]]


def _after(args: Json) -> int | None:
    after = args.get("after")
    return None if after is None else decode_cursor(after, "Query.students", "id:asc")[0]


def _paged(name: str) -> _Chooser:
    def choose(args: Json) -> tuple[str, Json]:
        after = _after(args)
        return (name, {}) if after is None else (f"{name}_after", {"after": after})

    return choose


_STATEMENTS: dict[str, _Chooser] = {
    "q1": _paged("q1"),
    "q2": lambda args: ("q2", {"id": rows.user_pk(args["user"])}),
    "q3": _paged("q3"),
    "q4": lambda args: ("q4", {"code": args["code"], "needle": "an"}),
    "q5": lambda args: (
        ("q5", {}) if args.get("after") is None else ("q5_after", rows.users_after(args["after"]))
    ),
    "q6": lambda args: ("q6", {"at_least": args["atLeast"]}),
}


def json_statement(query: str, variables: Json) -> tuple[str, Json]:
    """The name and parameters of the one statement answering ``query`` (q1…q6)."""
    return _STATEMENTS[query](variables)


# The data when the statement finds no row: only Q2's user may be missing.
_NOTHING = {"q2": b'{"node":null}'}
_PLANS = {
    "q1": rows.q1,
    "q2": rows.q2,
    "q3": rows.q3,
    "q4": rows.q4,
    "q5": rows.q5,
    "q6": rows.q6,
}


def _sql(cost: Cost) -> bytes:
    return orjson.dumps({"statements": cost.statements, "rows": cost.rows})


def _answer(data: bytes, cost: Cost) -> Response:
    body = b'{"data":' + data + b',"extensions":{"sql":' + _sql(cost) + b"}}"
    return Response(body, media_type="application/json")


class _Floor:
    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        self.database = Database(settings)  # for the write mix
        self.sqlite = self.database.is_sqlite
        self.writes = write_statements()
        self._reads: Reads | None = None

    @property
    def reads(self) -> Reads:
        assert self._reads is not None, "the app's lifespan has not started"
        return self._reads

    async def open(self) -> None:
        statements = {**row_statements(self.sqlite), **json_statements(self.sqlite)}
        self._reads = await open_reads(self.url, statements)

    async def close(self) -> None:
        if self._reads is not None:
            await self._reads.close()
        await self.database.dispose()

    def rows_endpoint(self, query: str) -> Endpoint:
        make_plan = _PLANS[query]

        async def endpoint(request: Request) -> Response:
            args = orjson.loads(await request.body())
            data, cost = await self.reads.plan(make_plan(args, self.sqlite))
            return _answer(orjson.dumps(data), cost)

        return endpoint

    def json_endpoint(self, query: str) -> Endpoint:
        choose, nothing = _STATEMENTS[query], _NOTHING.get(query, b"null")

        async def endpoint(request: Request) -> Response:
            name, params = choose(orjson.loads(await request.body()))
            data, cost = await self.reads.value(name, params)
            return _answer(nothing if data is None else data.encode(), cost)

        return endpoint

    async def write(self, request: Request) -> Response:
        """One link change (enroll/withdraw/follow/unfollow) in a write transaction."""
        args = orjson.loads(await request.body())
        stmt = self.writes[args["op"]]
        params: Json = {"a": int(args["a"]), "b": int(args["b"])}
        if args["op"] == "follow":
            params["created_at"] = dt.datetime.now(dt.UTC)
        async with sql_stats() as stats, self.database.transaction() as session:
            result = await session.execute(stmt, params)
        data = orjson.dumps({"changed": bool(getattr(result, "rowcount", 0))})
        return _answer(data, Cost(stats.statements, stats.rows))


def create_app() -> Starlette:
    """The floor's ASGI app, on the database that ``DATABASE_URL`` names."""
    floor = _Floor(Settings.from_env())

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await floor.open()
        try:
            yield
        finally:
            await floor.close()

    routes = [Route("/w", floor.write, methods=["POST"]), Route("/healthz", healthz)]
    for query in _PLANS:
        routes += [
            Route(f"/rows/{query}", floor.rows_endpoint(query), methods=["POST"]),
            Route(f"/json/{query}", floor.json_endpoint(query), methods=["POST"]),
        ]
    return Starlette(routes=routes, lifespan=lifespan)
