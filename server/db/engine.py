"""The database: one engine per process, one session per request.

SQLite is configured on every connection (foreign keys, WAL, a busy timeout)
and its transactions are begun by us rather than by the driver, so that a
writer can take the write lock at the start (``BEGIN IMMEDIATE``) instead of
failing half-way with "database is locked". The writers of one process queue
for that lock in order, on the event loop; the busy timeout is for the
writers of other processes.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState
from sqlalchemy.util import greenlet_spawn

from server.config import Settings
from server.db import sqlite_driver
from server.db.statements import PostgresStatements, SqlFunction, SqliteStatements, Statements

__all__ = ["Database", "SqlFunction", "SqlStats", "sql_stats"]

# Statements that only control transactions or set up a connection: they are
# not part of what a query costs.
_CONTROL_PREFIXES = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")

_BEGIN_MODE = "campus_begin"
_FUNCTIONS = "campus_functions"
_STARTED = "campus_statement_started"
_LOGGED_SQL = 2_000  # characters of a slow statement kept in the log

logger = logging.getLogger(__name__)


@dataclass
class SqlStats:
    """What one request cost the database: statements run and rows fetched."""

    statements: int = 0
    rows: int = 0


_current_stats: contextvars.ContextVar[SqlStats | None] = contextvars.ContextVar(
    "campus_sql_stats", default=None
)


@asynccontextmanager
async def sql_stats() -> AsyncIterator[SqlStats]:
    """Count the statements run (and rows the loaders fetch) inside the block."""
    stats = SqlStats()
    token = _current_stats.set(stats)
    try:
        yield stats
    finally:
        _current_stats.reset(token)


def count_rows(n: int) -> None:
    """Record rows fetched by a reader, for the current request's stats."""
    stats = _current_stats.get()
    if stats is not None:
        stats.rows += n


def _count_one() -> None:
    """Count one statement run for the current request, outside the engine's events."""
    stats = _current_stats.get()
    if stats is not None:
        stats.statements += 1


def _count_statement(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    stats = _current_stats.get()
    if stats is not None and not statement.lstrip().upper().startswith(_CONTROL_PREFIXES):
        stats.statements += 1


def _log_slow_statements(engine: AsyncEngine, threshold_ms: float) -> None:
    """Log each statement slower than the threshold: its text only, as parameters may be secrets."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn: Connection, *args: Any) -> None:
        conn.info[_STARTED] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _end(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        elapsed_ms = (time.perf_counter() - conn.info[_STARTED]) * 1000
        if elapsed_ms >= threshold_ms:
            text = " ".join(statement.split())
            logger.warning("Slow statement (%.1f ms): %s", elapsed_ms, text[:_LOGGED_SQL])


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Take transaction control away from the driver; see _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # Unicode-aware case folding for case-insensitive filters: SQLite's own
        # lower() folds ASCII only.
        dbapi_connection.create_function("campus_fold", 1, _fold, deterministic=True)

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, connection_record: Any, state: PoolResetState) -> None:
        # The pool would roll back every connection handed back to it, and a
        # session hands its connection back just after ending the transaction
        # itself: a second trip to the connection's thread for nothing. Here
        # the rollback is only for a connection still inside a transaction.
        if state.asyncio_safe and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
        if mode is not None:  # None: a statement that runs alone, in its own snapshot
            conn.exec_driver_sql(f"BEGIN {mode}")


def _add_functions(connection: Connection, functions: Sequence[SqlFunction]) -> None:
    dbapi_connection: Any = connection.connection.dbapi_connection
    for name, arguments, function in functions:
        dbapi_connection.create_function(name, arguments, function, deterministic=True)


def _fold(value: str | None) -> str | None:
    return None if value is None else value.lower()


class Database:
    """The engine and the session factories of one process."""

    def __init__(self, settings: Settings) -> None:
        url = make_url(settings.database_url)
        self.is_sqlite = url.get_backend_name() == "sqlite"
        # As many connections kept as requests run at once: one made past the
        # pool's size is closed when handed back, and on SQLite each is a thread.
        kwargs: dict[str, Any] = {
            "pool_size": settings.pool_size,
            "max_overflow": settings.pool_size,
        }
        if self.is_sqlite:
            # Reset on return by ``_configure_sqlite``'s handler, not by the pool.
            kwargs.update(async_creator=sqlite_driver.connector(url), pool_reset_on_return=None)
        # Errors name the statement but not its parameters: those may be secrets.
        self.engine = create_async_engine(url, hide_parameters=True, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        event.listen(self.engine.sync_engine, "before_cursor_execute", _count_statement)
        if settings.slow_sql_ms > 0:
            _log_slow_statements(self.engine, settings.slow_sql_ms)
        # A PostgreSQL reader runs each statement on its own, as READ COMMITTED
        # would inside a transaction anyway (every statement its own snapshot),
        # without the BEGIN and ROLLBACK round trips; a SQLite reader's
        # transaction is what keeps one snapshot for all of a request's reads.
        readers = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._readers = async_sessionmaker(readers, expire_on_commit=False)
        # Statements that run alone: no BEGIN on SQLite, autocommit on PostgreSQL.
        self._alone = (
            self.engine.execution_options(**{_BEGIN_MODE: None}) if self.is_sqlite else readers
        )
        self._joined: AsyncConnection | None = None
        self._traced = settings.tracing
        self._statements: Statements = (
            SqliteStatements(url, [("campus_fold", 1, _fold)], _count_one, settings.slow_sql_ms)
            if self.is_sqlite
            else PostgresStatements(self.engine, _count_one, settings.slow_sql_ms)
        )
        self._writers = async_sessionmaker(
            self.engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"}), expire_on_commit=False
        )
        # Waiting for SQLite's write lock in its busy handler holds a
        # connection and wakes up late: under load, in-order turns on the
        # event loop more than double the writes per second.
        self._write_turn: AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.is_sqlite else nullcontext()
        )

    def joined(self, connection: AsyncConnection) -> Database:
        """This database, but every session joins ``connection``'s transaction.

        Sessions then commit to savepoints: this is how a test runs the whole
        app inside one transaction that it rolls back afterwards.
        """
        view = copy.copy(self)
        view._readers = view._writers = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        view._joined = connection
        return view

    @property
    def statements(self) -> Statements:
        """What runs a read of one statement straight on the driver (``read_one``)."""
        return self._statements

    def reader(self) -> AsyncSession:
        """A session for reading: its transactions do not take the write lock."""
        return self._readers()

    async def read_one(
        self, sql: str, parameters: tuple[Any, ...], functions: Sequence[SqlFunction] = ()
    ) -> Any:
        """The one value of a read-only statement in the driver's own SQL.

        Run alone, outside any transaction (one statement reads one snapshot
        on both back ends), straight on the driver (``server.db.statements``).
        ``functions`` are those of ours the statement calls on SQLite. In a
        test's joined transaction, or traced (whose spans are the engine's),
        it runs through the engine instead.
        """
        if self._joined is None and not self._traced:
            return await self._statements.scalar(sql, parameters, functions)
        try:
            return await self._read_one(sql, parameters, functions)
        except DBAPIError as error:
            # A read whose connection was lost is read again, once, on a fresh one.
            if not error.connection_invalidated or self._joined is not None:
                raise
        logger.warning("The database connection was lost under a read: reading again")
        return await self._read_one(sql, parameters, functions)

    async def _read_one(
        self, sql: str, parameters: tuple[Any, ...], functions: Sequence[SqlFunction]
    ) -> Any:
        def run(connection: Connection) -> Any:
            if self.is_sqlite and functions:
                pooled = connection.connection
                if pooled.info.get(_FUNCTIONS) is not functions:
                    _add_functions(connection, functions)
                    pooled.info[_FUNCTIONS] = functions
            return connection.exec_driver_sql(sql, parameters).scalar_one()

        if self._joined is not None:
            # In a savepoint: a failing statement must not end the transaction it joins.
            async with self._joined.begin_nested():
                return await self._joined.run_sync(run)
        # The whole of it (check-out, statement, check-in) in one switch to SQLAlchemy's
        # synchronous side, where the driver is awaited: a fraction of a short read's time.
        return await greenlet_spawn(self._alone_run, run)

    def _alone_run(self, run: Callable[[Connection], Any]) -> Any:
        with self._alone.sync_engine.connect() as connection:
            return run(connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: committed when the block ends, rolled back on error.

        The transaction takes the write lock at BEGIN (on SQLite, once this
        process's writers before it are done).
        """
        async with self._write_turn, self._writers() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        self._statements.close()
        await self.engine.dispose()
