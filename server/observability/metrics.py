"""Prometheus metrics of the GraphQL traffic and the database pool.

With several workers each process writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (made fresh by ``campus serve``) and a scrape of
any worker reads them all. prometheus_client picks that mode when it is
first imported, so nothing imports this module before the directory is set.
Labels hold only bounded values: operation names are cut to a length and,
past a number of distinct names per process, counted as ``other``.
"""

from __future__ import annotations

import os
import weakref
from functools import cache
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "metrics", "scrape"]

MAX_NAME_LENGTH = 64
MAX_NAMES = 100
ANONYMOUS = "anonymous"
OTHER = "other"
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_COUNTS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 1_000, 10_000)


class Metrics:
    """The product's metrics, one set per process."""

    def __init__(self) -> None:
        self.requests = Counter(
            "campus_graphql_requests",
            "GraphQL operations, by type, name and outcome (ok or error)",
            ["operation_type", "operation_name", "outcome"],
        )
        self.seconds = Histogram(
            "campus_graphql_request_seconds",
            "Time spent running one GraphQL operation",
            ["operation_type"],
            buckets=_SECONDS,
        )
        self.statements = Histogram(
            "campus_graphql_sql_statements",
            "SQL statements one GraphQL operation ran",
            ["operation_type"],
            buckets=_COUNTS,
        )
        self.rows = Histogram(
            "campus_graphql_sql_rows",
            "Rows one GraphQL operation read from the database",
            ["operation_type"],
            buckets=_COUNTS,
        )
        self.errors = Counter(
            "campus_graphql_errors", "GraphQL errors, by extensions.code", ["code"]
        )
        self.refused = Counter(
            "campus_graphql_refused_documents",
            "Documents refused before running, by the limit they broke",
            ["rule"],
        )
        self.pool_in_use = Gauge(
            "campus_db_connections_in_use",
            "Database connections checked out of the pool",
            multiprocess_mode="livesum",
        )
        self.sockets_open = Gauge(
            "campus_websockets_open",
            "WebSocket connections open on /graphql",
            multiprocess_mode="livesum",
        )
        self.subscriptions_live = Gauge(
            "campus_subscriptions_live",
            "Subscriptions waiting for events",
            multiprocess_mode="livesum",
        )
        self._names: set[str] = set()
        # Each label set's series, looked up once (``labels`` takes a lock and
        # builds its key every time); as bounded as the operation names.
        self._requests: dict[tuple[str, str, str], Any] = {}
        self._by_type: dict[str, tuple[Any, Any, Any]] = {}
        self._pools: weakref.WeakSet[Pool] = weakref.WeakSet()

    def operation_name(self, name: str | None) -> str:
        """The label for an operation name: bounded in length and in number."""
        if not name:
            return ANONYMOUS
        name = name[:MAX_NAME_LENGTH]
        if name not in self._names:
            if len(self._names) >= MAX_NAMES:
                return OTHER
            self._names.add(name)
        return name

    def observe(
        self,
        *,
        operation_type: str,
        operation_name: str | None,
        seconds: float,
        statements: int,
        rows: int,
        errors: list[dict[str, Any]],
    ) -> None:
        """Record one finished operation; ``errors`` are the errors' ``extensions``."""
        key = (operation_type, self.operation_name(operation_name), "error" if errors else "ok")
        counted = self._requests.get(key)
        if counted is None:
            counted = self._requests[key] = self.requests.labels(*key)
        counted.inc()
        histograms = self._by_type.get(operation_type)
        if histograms is None:
            histograms = self._by_type[operation_type] = (
                self.seconds.labels(operation_type),
                self.statements.labels(operation_type),
                self.rows.labels(operation_type),
            )
        for histogram, value in zip(histograms, (seconds, statements, rows), strict=True):
            histogram.observe(value)
        for extensions in errors:
            code = extensions.get("code")
            self.errors.labels(code if isinstance(code, str) else "UNSPECIFIED").inc()
            if code == "QUERY_TOO_COMPLEX" and isinstance(extensions.get("rule"), str):
                self.refused.labels(extensions["rule"]).inc()

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Count the connections each pool of this process has checked out."""
        pool = engine.sync_engine.pool
        if pool in self._pools:
            return
        self._pools.add(pool)
        event.listen(pool, "checkout", lambda *_: self.pool_in_use.inc())
        event.listen(pool, "checkin", lambda *_: self.pool_in_use.dec())


@cache
def metrics() -> Metrics:
    """This process's metrics (registered once, however many apps are built)."""
    return Metrics()


def scrape() -> bytes:
    """The text exposition of every worker's samples, or this process's alone."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    _forget_dead_workers(directory)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def _forget_dead_workers(directory: str) -> None:
    """Drop the gauges of workers that are gone: a killed worker's last value is no longer true.

    Counters and histograms of a dead worker stay (what it counted happened);
    the "live" gauges (connections in use, sockets open) are its own state.
    """
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        if not _running(pid):
            mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
