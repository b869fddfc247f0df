"""Prometheus metrics at /metrics: what is counted, bounded labels, and several workers.

Samples are process-wide, so each test reads the figures before and after
its own requests and asserts the difference.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncConnection
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from server.config import Settings
from server.db.engine import Database
from tests.live.sockets import PROTOCOL, serve_live
from tests.processes import campus_serve, server_env
from tests.rows import add_course, add_student
from tests.support import GraphQLClient, gid, serve

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

BATCH, BATCHES = 8, 25
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return _parse(response.text)


def _delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def _requests(operation_type: str, operation_name: str, outcome: str) -> dict[str, str]:
    return {"operation_type": operation_type, "operation_name": operation_name, "outcome": outcome}


async def test_operations_are_counted_by_type_name_outcome_and_cost(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    async with serve(replace(settings, max_depth=4), database) as http:
        client = GraphQLClient(http)
        await add_course(connection, "C1")
        before = await _scrape(http)
        statements, rows = await client.cost("query Catalog { courses { nodes { code } } }")
        await client.execute("{ courses { nodes { code } } }")
        await client.execute("{ nope }")  # fails validation
        deep = "{ courses { nodes { students { nodes { courses { nodes { code } } } } } } }"
        assert await client.error_codes(deep) == ["QUERY_TOO_COMPLEX"]
        after = await _scrape(http)
    total = "campus_graphql_requests_total"
    assert _delta(before, after, total, **_requests("query", "Catalog", "ok")) == 1
    assert _delta(before, after, total, **_requests("query", "anonymous", "ok")) == 1
    assert _delta(before, after, total, **_requests("query", "anonymous", "error")) == 2
    assert _delta(before, after, "campus_graphql_refused_documents_total", rule="depth") == 1
    assert _delta(before, after, "campus_graphql_errors_total", code="QUERY_TOO_COMPLEX") == 1
    assert (
        _delta(before, after, "campus_graphql_request_seconds_count", operation_type="query") == 4
    )
    # Both course lists cost the same; the refused documents cost nothing.
    sql = "campus_graphql_sql_statements_sum"
    assert _delta(before, after, sql, operation_type="query") == 2 * statements
    assert _delta(before, after, "campus_graphql_sql_rows_sum", operation_type="query") == 2 * rows
    assert statements == 1


async def test_operation_names_are_capped(settings: Settings, database: Database) -> None:
    async with serve(settings, database) as http:
        client = GraphQLClient(http)
        long_name = "Q" * 500
        before = await _scrape(http)
        await client.query(f"query {long_name} {{ __typename }}")
        after = await _scrape(http)
    labels = _requests("query", "Q" * 64, "ok")
    assert _delta(before, after, "campus_graphql_requests_total", **labels) == 1
    assert not any(long_name in str(key) for key in after)


async def test_metrics_are_off_in_production_unless_asked_for(
    settings: Settings, database: Database
) -> None:
    env = {"CAMPUS_ENV": "production", "CAMPUS_SECRET_KEY": "k" * 40}
    assert Settings.from_env(env).metrics is False
    assert Settings.from_env({**env, "CAMPUS_METRICS": "1"}).metrics is True
    async with serve(replace(settings, metrics=False), database) as http:
        assert (await http.get("/metrics")).status_code == 404


@pytest.fixture
def two_workers(settings: Settings, own_database_url: str, tmp_path: Path) -> Iterator[str]:
    # TMPDIR: where the metrics directory is made, to look into.
    env = server_env(settings, own_database_url, CAMPUS_POOL_SIZE="2", TMPDIR=str(tmp_path))
    with campus_serve(env, tmp_path / "serve.log", workers=2) as served:
        yield served.base
    assert not list(tmp_path.glob("campus-metrics-*"))  # removed on exit


async def _roll(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        body = await GraphQLClient(http).query("query Roll { students { nodes { name } } }")
    assert body == {"students": {"nodes": [{"name": "Sam"}]}}


def _writers(directory: Path) -> set[str]:
    """The processes that have written counters (files are named by pid)."""
    return {path.stem.rsplit("_", 1)[-1] for path in directory.glob("counter_*.db")}


async def test_every_worker_is_counted_in_one_scrape(
    two_workers: str, own_database_url: str, tmp_path: Path
) -> None:
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.begin() as conn:
        await add_student(conn, "Sam")
    await database.dispose()
    [directory] = await asyncio.to_thread(lambda: list(tmp_path.glob("campus-metrics-*")))
    sent = 0
    # Which worker accepts a connection is the kernel's choice: send batches of
    # concurrent connections until both have answered some (bounded).
    for _ in range(BATCHES):
        await asyncio.gather(*(_roll(two_workers) for _ in range(BATCH)))
        sent += BATCH
        if len(await asyncio.to_thread(_writers, directory)) == 2:
            break
    else:
        pytest.fail(f"one worker answered all {sent} requests")
    for _ in range(4):  # whichever worker answers the scrape sees every worker's samples
        async with httpx.AsyncClient(base_url=two_workers, timeout=30) as http:
            samples = await _scrape(http)
        labels = _requests("query", "Roll", "ok")
        assert samples[("campus_graphql_requests_total", tuple(sorted(labels.items())))] == sent


def _workers(supervisor: int) -> list[int]:
    """The worker processes under ``campus serve`` (not multiprocessing's resource tracker)."""
    workers = []
    for pid in Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:  # it has just ended
            continue
        if b"resource_tracker" not in command:
            workers.append(int(pid))
    return workers


async def _gauge(base: str, name: str) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        return (await _scrape(http)).get((name, ()), 0.0)


async def test_a_killed_workers_gauges_leave_the_sum(
    settings: Settings, own_database_url: str, tmp_path: Path
) -> None:
    env = server_env(settings, own_database_url, TMPDIR=str(tmp_path))
    with campus_serve(env, tmp_path / "serve.log", workers=2) as served:
        url = served.base.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=[Subprotocol(PROTOCOL)]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            assert await _gauge(served.base, "campus_websockets_open") == 1
            workers = _workers(served.process.pid)
            assert len(workers) == 2
            for pid in workers:  # whichever holds the socket dies without a word
                os.kill(pid, signal.SIGKILL)
        for _ in range(300):  # the supervisor starts two new workers
            if len(set(_workers(served.process.pid)) - set(workers)) == 2 and await _ready(
                served.base
            ):
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the killed workers were not replaced within 30 s")
        assert await _gauge(served.base, "campus_websockets_open") == 0


async def _ready(base: str) -> bool:
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            return (await http.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def test_the_socket_and_subscription_gauges_follow_what_is_open(
    settings: Settings, own_database_url: str
) -> None:
    roster = "subscription ($id: ID!) { courseRosterChanged(courseId: $id) { change } }"
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.begin() as conn:
        course = {"id": gid("Course", await add_course(conn, "C1"))}
    await database.dispose()
    sockets, subscriptions = "campus_websockets_open", "campus_subscriptions_live"
    async with serve_live(replace(settings, database_url=own_database_url)) as live:
        start = await _scrape(live.http)
        async with live.socket() as first, live.socket() as second:
            for socket in (first, first, second):
                await socket.subscribe(roster, course)
            await live.subscribed(3)
            opened = await _scrape(live.http)
        await live.subscribed(0)
        # The server counts a socket out once its handler has ended.
        async with asyncio.timeout(10):
            while _delta(start, closed := await _scrape(live.http), sockets) != 0:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    assert (_delta(start, opened, sockets), _delta(start, opened, subscriptions)) == (2, 3)
    assert _delta(start, closed, subscriptions) == 0
