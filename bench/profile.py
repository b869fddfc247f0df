"""``python -m bench.profile``: where a prepared read's time goes, next to the floor's.

In one process, on a database seeded with ``campus seed`` (``DATABASE_URL``),
for each query's first page: the statement alone, run straight on the driver
(campus's prepared statement and the floor's one-statement JSON for the same
answer), and the whole request through each ASGI app without HTTP (campus's
prepared path and the floor's ``/json`` endpoint). Medians over rounds that
alternate the two, so that the machine's noise falls on both alike; "the
rest" is the request less its statement: the Python around it. Uvicorn and
the network cost both servers the same and are left out (``python -m bench``
measures them).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import click
import orjson
from graphql import parse
from starlette.types import ASGIApp, Message

from bench.database import find_targets
from bench.floor.answers_sql import json_statements
from bench.floor.app import create_app as create_floor
from bench.floor.app import json_statement
from bench.floor.drivers import Reads, open_reads
from bench.queries import ReadQuery
from bench.workload import Deep, read_queries
from schema.engine.prepared import SQLITE_FUNCTIONS, PreparedDocument
from schema.root import schema
from server.config import Settings
from server.db.engine import Database
from server.http.app import create_app
from server.seeding.dataset import Sizes

Timed = Callable[[], Awaitable[Any]]
SCHEMA = schema._schema


async def _request(app: ASGIApp, path: str, body: bytes) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    chunks: list[bytes] = []
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client never goes away
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


async def _started(app: ASGIApp) -> asyncio.Task[None]:
    """The app's lifespan, started (and left running until the process ends)."""
    events: asyncio.Queue[Message] = asyncio.Queue()
    await events.put({"type": "lifespan.startup"})
    ready = asyncio.Event()

    async def send(message: Message) -> None:
        if message["type"].startswith("lifespan.startup"):
            ready.set()

    lifespan = app({"type": "lifespan", "state": {}}, events.get, send)
    task: asyncio.Task[None] = asyncio.create_task(lifespan)  # type: ignore[arg-type]
    await ready.wait()
    return task


async def _medians(a: Timed, b: Timed, runs: int) -> tuple[float, float]:
    """Median ms of ``a`` and of ``b``, run alternately."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for timed, into in ((a, times[0]), (b, times[1])):
            started = time.perf_counter()
            await timed()
            into.append(time.perf_counter() - started)
    return statistics.median(times[0]) * 1e3, statistics.median(times[1]) * 1e3


async def _profile(queries: list[str], runs: int) -> None:
    settings = Settings.from_env()
    targets = await find_targets(settings.database_url, Sizes())
    wanted = [q for q in read_queries(targets, Deep(None, 0), Deep(None, 0)) if q.name in queries]
    campus, floor = create_app(settings), create_floor()
    running = [await _started(campus), await _started(floor)]
    database = Database(settings)
    sqlite = database.is_sqlite
    floor_reads = await open_reads(settings.database_url, json_statements(sqlite))
    click.echo(f"{'query':<10} {'statement ms':>22} {'request ms':>22} {'the rest ms':>22}")
    click.echo(
        f"{'':<10} {'campus':>10} {'floor':>11} {'campus':>10} {'floor':>11} "
        f"{'campus':>10} {'floor':>11}"
    )
    for query in wanted:
        row = await _one(query, (campus, floor), settings, database, floor_reads, runs)
        click.echo(f"{query.name:<10} " + " ".join(f"{value:>10.3f}" for value in row))
    await floor_reads.close()
    await database.dispose()
    for task in running:
        task.cancel()


async def _one(
    query: ReadQuery,
    apps: tuple[ASGIApp, ASGIApp],
    settings: Settings,
    database: Database,
    floor_reads: Reads,
    runs: int,
) -> list[float]:
    campus, floor = apps
    body = orjson.dumps({"query": query.document, "variables": query.variables})
    floor_body = orjson.dumps(query.variables)
    floor_path = "/json" + query.floor_path
    for _ in range(3):  # seen, then prepared, then warm
        answer = await _request(campus, "/graphql", body)
    floor_answer = await _request(floor, floor_path, floor_body)
    if orjson.loads(answer)["data"] != orjson.loads(floor_answer)["data"]:
        raise click.ClickException(f"{query.name}: campus and the floor answer differently")
    prepared = PreparedDocument(SCHEMA, parse(query.document), None)
    sql, params = prepared.statement(
        query.variables,
        {"viewer": None},
        database.engine.dialect,
        default_size=settings.default_page_size,
        max_size=settings.max_page_size,
    )
    name, floor_params = json_statement(query.floor_path.strip("/"), query.variables)
    statement = await _medians(
        lambda: database.read_one(sql, params, SQLITE_FUNCTIONS),
        lambda: floor_reads.value(name, floor_params),
        runs,
    )
    request = await _medians(
        lambda: _request(campus, "/graphql", body),
        lambda: _request(floor, floor_path, floor_body),
        runs,
    )
    return [*statement, *request, request[0] - statement[0], request[1] - statement[1]]


@click.command(help=__doc__.split("\n\n")[0] if __doc__ else None)
@click.option("--queries", default="Q1,Q2,Q3 first,Q4,Q5 first,Q6", show_default=True)
@click.option("--runs", default=1000, show_default=True, help="Requests per query and side.")
def main(queries: str, runs: int) -> None:
    if "DATABASE_URL" not in os.environ:
        raise click.UsageError("set DATABASE_URL to a database made with campus migrate and seed")
    # As ``python -m bench`` serves campus.
    os.environ.setdefault("CAMPUS_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("CAMPUS_SQL_STATS", "1")
    os.environ.setdefault("CAMPUS_LOG_LEVEL", "WARNING")
    asyncio.run(_profile([q.strip() for q in queries.split(",")], runs))


if __name__ == "__main__":
    main()
