"""SQLite statements make one trip to their connection's thread, and answer as aiosqlite's do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/t.db"))
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
        )
    try:
        yield database
    finally:
        await database.dispose()


async def _counting_trips(connection: AsyncConnection) -> Callable[[], int]:
    """How many calls the connection's thread has been handed since this was called."""
    raw: Any = (await connection.get_raw_connection()).driver_connection
    handed = raw._execute
    trips = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await handed(*args, **kwargs)

    raw._execute = counted
    return lambda: trips


async def test_a_statement_is_one_trip(sqlite: Database) -> None:
    async with sqlite.engine.connect() as connection:
        trips = await _counting_trips(connection)
        result = await connection.exec_driver_sql("SELECT 1 UNION ALL SELECT 2")
        # The transaction's BEGIN DEFERRED, then the SELECT (aiosqlite's cursors took 7).
        assert (result.all(), trips()) == ([(1,), (2,)], 2)
        inserted = await connection.exec_driver_sql(
            "INSERT INTO t (name) VALUES ('a'), ('b'), ('c')"
        )
        assert (inserted.rowcount, inserted.lastrowid, trips()) == (3, 3, 3)
        returned = await connection.exec_driver_sql("DELETE FROM t WHERE id > 1 RETURNING name")
        assert sorted(returned.scalars()) == ["b", "c"]
        assert returned.rowcount == 2  # counted once RETURNING's rows are read
        await connection.rollback()


async def test_a_read_ends_with_one_rollback(sqlite: Database) -> None:
    session = sqlite.reader()
    connection = await session.connection()
    trips = await _counting_trips(connection)
    await session.execute(text("SELECT count(*) FROM t"))
    await session.close()
    # The SELECT and the session's ROLLBACK (BEGIN came with the connection): the
    # pool, handed the connection back, does not roll back a second time.
    assert trips() == 2


async def test_a_connection_handed_back_inside_a_transaction_is_rolled_back(
    sqlite: Database,
) -> None:
    async with sqlite.engine.connect() as connection:
        raw: Any = (await connection.get_raw_connection()).driver_connection
        # A transaction SQLAlchemy does not know of: only the pool's reset can end it.
        await raw.execute("BEGIN")
        await raw.execute("INSERT INTO t (name) VALUES ('left open')")
        assert raw.in_transaction
    assert not raw.in_transaction
    async with sqlite.engine.connect() as connection:
        count = await connection.exec_driver_sql("SELECT count(*) FROM t")
        assert count.scalar_one() == 0


async def test_results_read_in_parts_and_errors_as_sqlite_gives_them(sqlite: Database) -> None:
    async with sqlite.engine.begin() as connection:
        await connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')")
        result = await connection.exec_driver_sql("SELECT name FROM t ORDER BY id")
        assert (result.fetchone(), result.fetchmany(1), result.fetchall()) == (
            ("a",),
            [("b",)],
            [("c",)],
        )
        # A server-side cursor: read in parts from what the statement's trip brought.
        streamed = await connection.stream(text("SELECT name FROM t ORDER BY id"))
        assert [row async for row in streamed.scalars()] == ["a", "b", "c"]
        with pytest.raises(exc.IntegrityError, match="UNIQUE"):
            await connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        with pytest.raises(exc.OperationalError, match="no such table"):
            await connection.exec_driver_sql("SELECT * FROM missing")
    async with sqlite.engine.connect() as connection:  # nothing half-done stayed behind
        count = await connection.exec_driver_sql("SELECT count(*) FROM t")
        assert count.scalar_one() == 3
