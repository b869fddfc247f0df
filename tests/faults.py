"""Faults put into the app's real engine: slow statements, failing writes; and what they left."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import await_only as await_

from server.db.engine import Database

__all__ = [
    "InjectedError",
    "failing_write",
    "invalidations",
    "lost",
    "ran",
    "settled",
    "slowed",
    "slowed_reads",
]

_WRITES = ("INSERT", "UPDATE", "DELETE")


class InjectedError(RuntimeError):
    """The failure a test injects into the database's work."""


@contextmanager
def slowed(
    engine: AsyncEngine, part: str, seconds: float, finished: list[str] | None = None
) -> Iterator[list[str]]:
    """The database waits ``seconds`` before each statement holding ``part``.

    The wait runs in the database (``pg_sleep``, or a sleeping SQL function on
    SQLite), as a slow statement would, not on the event loop. Yields the
    slowed statements that have run to their end so far.
    """
    postgres = engine.dialect.name == "postgresql"
    finished = [] if finished is None else finished

    def before(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if part in statement:
            if not postgres:
                dbapi_connection: Any = conn.connection.dbapi_connection
                dbapi_connection.create_function("test_sleep", 1, time.sleep)
            cursor.execute(f"SELECT {'pg_sleep' if postgres else 'test_sleep'}({seconds})")

    def after(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if part in statement:
            finished.append(statement)

    with _listening(engine, before_cursor_execute=before, after_cursor_execute=after):
        yield finished


@contextmanager
def slowed_reads(database: Database, part: str, seconds: float) -> Iterator[list[str]]:
    """As ``slowed``, for every statement holding ``part``: the engine's and the one-statement
    reads that run straight on the driver (``Database.statements``), on their own connection.
    """
    runner: Any = database.statements
    finished: list[str] = []
    execute = runner._execute
    if database.is_sqlite:

        def sleeping(connection: Any, sql: str, parameters: Any) -> Any:
            if part in sql:
                connection.create_function("test_sleep", 1, time.sleep)
                connection.execute(f"SELECT test_sleep({seconds})")
            value = execute(connection, sql, parameters)
            if part in sql:
                finished.append(sql)
            return value
    else:

        async def sleeping(driver: Any, sql: str, parameters: Any) -> Any:  # type: ignore[misc]
            if part in sql:
                await driver.execute(f"SELECT pg_sleep({seconds})")
            value = await execute(driver, sql, parameters)
            if part in sql:
                finished.append(sql)
            return value

    runner._execute = sleeping
    try:
        with slowed(database.engine, part, seconds, finished):
            yield finished
    finally:
        del runner._execute


async def ran(statements: list[str], count: int) -> None:
    """Wait until ``count`` statements slowed down have run to their end."""
    async with asyncio.timeout(30):
        while len(statements) < count:  # noqa: ASYNC110 (threads fill the list)
            await asyncio.sleep(0.01)


@contextmanager
def lost(engine: AsyncEngine, part: str) -> Iterator[list[str]]:
    """The connection about to run the first statement holding ``part`` is closed under it.

    As a database restart or a dropped network leaves it: the driver's own
    connection is gone, and the statement fails as it would then. Yields the
    statements it was closed under.
    """
    closed: list[str] = []

    def before(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if part in statement and not closed:
            closed.append(statement)
            driver: Any = conn.connection.driver_connection
            if engine.dialect.name == "postgresql":
                driver.terminate()
            else:
                await_(driver.close())

    with _listening(engine, before_cursor_execute=before):
        yield closed


@contextmanager
def failing_write(engine: AsyncEngine, nth: int) -> Iterator[None]:
    """The ``nth`` write statement (INSERT, UPDATE, DELETE) runs, then the work fails."""
    writes = 0

    def after(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal writes
        if statement.startswith(_WRITES):
            writes += 1
            if writes == nth:
                raise InjectedError(f"injected after write {nth}: {statement}")

    with _listening(engine, after_cursor_execute=after):
        yield


@contextmanager
def invalidations(engine: AsyncEngine) -> Iterator[list[BaseException | None]]:
    """The exceptions for which the pool threw a connection away while in the block."""
    seen: list[BaseException | None] = []

    def invalidate(dbapi_connection: Any, record: Any, exception: BaseException | None) -> None:
        seen.append(exception)

    with _listening(engine, invalidate=invalidate, soft_invalidate=invalidate):
        yield seen


async def settled(engine: AsyncEngine) -> None:
    """Wait until every connection is back in the pool: work left running has ended."""
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    async with asyncio.timeout(30):
        while pool.checkedout():  # noqa: ASYNC110 (the pool has nothing to await)
            await asyncio.sleep(0.01)


@contextmanager
def _listening(engine: AsyncEngine, **listeners: Any) -> Iterator[None]:
    target = engine.sync_engine
    for name, listener in listeners.items():
        event.listen(target, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners.items():
            event.remove(target, name, listener)
