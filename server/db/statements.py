"""Reads that are one statement, run straight on the driver: the prepared reads' way in.

A prepared read is one statement in the driver's own SQL whose one value is
the answer, so it needs none of SQLAlchemy's connection and result machinery,
which costs more than the statement itself on a short page:

- on SQLite, a few threads of its own, each with a connection of its own
  (read-only, in autocommit: one statement reads one snapshot), as many as a
  two-core machine keeps busy; a statement is one trip to a thread;
- on PostgreSQL, a connection of the engine's pool, checked out and back in
  as the engine does it, and asyncpg's own prepared statement: one round trip.

Each statement is counted in the request's SQL cost and logged when slow,
as the engine's events count and log theirs. A PostgreSQL connection lost
under a read is thrown away and the read run again, once, on a fresh one.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only, greenlet_spawn

__all__ = ["PostgresStatements", "SqlFunction", "SqliteStatements", "Statements"]

logger = logging.getLogger(__name__)

# A SQL function of ours: its name, its number of arguments (-1: any), the function.
SqlFunction = tuple[str, int, Callable[..., Any]]
# Threads that run SQLite's reads. A statement's own functions (global IDs,
# cursors) take the GIL once a row, and each thread more waits for it behind
# the others and the event loop: on two cores, 8 clients read Q1 at half the
# rate of one client with 4 threads, at the same rate with 2 (``bench``).
SQLITE_THREADS = 2
_LOGGED_SQL = 2_000  # characters of a slow statement kept in the log
# What a connection gone from under a statement raises: asyncpg's, or the socket's.
_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    ConnectionError,
    OSError,
)


class Statements:
    """Runs a read of one statement and counts it; a runner per back end."""

    def __init__(self, count: Callable[[], None], slow_ms: float) -> None:
        self._count = count
        self._slow_ms = slow_ms

    async def scalar(
        self, sql: str, parameters: tuple[Any, ...], functions: Sequence[SqlFunction]
    ) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        """Give up what the runner holds (threads, connections)."""

    def _ran(self, sql: str, started: float) -> None:
        self._count()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if 0 < self._slow_ms <= elapsed_ms:
            text = " ".join(sql.split())
            logger.warning("Slow statement (%.1f ms): %s", elapsed_ms, text[:_LOGGED_SQL])


class SqliteStatements(Statements):
    """SQLite's reads on threads of their own, each with its own read-only connection."""

    def __init__(
        self,
        url: URL,
        functions: Sequence[SqlFunction],
        count: Callable[[], None],
        slow_ms: float,
    ) -> None:
        super().__init__(count, slow_ms)
        self._database = url.database or ""
        self._always = tuple(functions)  # those every connection has (case folding)
        self._local = threading.local()
        self._threads = ThreadPoolExecutor(SQLITE_THREADS, thread_name_prefix="campus-read")

    async def scalar(
        self, sql: str, parameters: tuple[Any, ...], functions: Sequence[SqlFunction]
    ) -> Any:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        value = await loop.run_in_executor(self._threads, self._run, sql, parameters, functions)
        self._ran(sql, started)
        return value

    def close(self) -> None:
        self._threads.shutdown(wait=False)

    def _run(self, sql: str, parameters: tuple[Any, ...], functions: Sequence[SqlFunction]) -> Any:
        connection = self._connection()
        known: set[str] = self._local.functions
        for name, arguments, function in functions:
            if name not in known:
                connection.create_function(name, arguments, function, deterministic=True)
                known.add(name)
        return self._execute(connection, sql, parameters)

    def _execute(
        self, connection: sqlite3.Connection, sql: str, parameters: tuple[Any, ...]
    ) -> Any:
        [value] = connection.execute(sql, parameters).fetchone()
        return value

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._database, isolation_level=None)
            connection.execute("PRAGMA busy_timeout=10000")
            connection.execute("PRAGMA query_only=ON")
            self._local.connection = connection
            self._local.functions = set()
            for name, arguments, function in self._always:
                connection.create_function(name, arguments, function, deterministic=True)
                self._local.functions.add(name)
        return connection


class PostgresStatements(Statements):
    """PostgreSQL's reads on the engine's pooled connections, through asyncpg itself."""

    def __init__(self, engine: AsyncEngine, count: Callable[[], None], slow_ms: float) -> None:
        super().__init__(count, slow_ms)
        self._pool = engine.sync_engine

    async def scalar(
        self, sql: str, parameters: tuple[Any, ...], functions: Sequence[SqlFunction]
    ) -> Any:
        try:
            return await self._fetch(sql, parameters)
        except _LOST:
            pass
        logger.warning("The database connection was lost under a read: reading again")
        return await self._fetch(sql, parameters)

    async def _fetch(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        # Check-out, statement and check-in in one switch to SQLAlchemy's synchronous
        # side, where the driver is awaited: one greenlet a read, not one a step.
        return await greenlet_spawn(self._fetch_pooled, sql, parameters)

    def _fetch_pooled(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        pooled = self._pool.raw_connection()
        try:
            started = time.perf_counter()
            value = await_only(self._execute(pooled.driver_connection, sql, parameters))
        except _LOST as error:
            pooled.invalidate(error)
            raise
        finally:
            pooled.close()
        self._ran(sql, started)
        return value

    async def _execute(self, driver: Any, sql: str, parameters: tuple[Any, ...]) -> Any:
        return await driver.fetchval(sql, *parameters)
