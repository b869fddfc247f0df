"""How the floor reads: straight through the database drivers, nothing in between.

SQLite: the stdlib driver on a few threads, one connection each; a request's
statements run in one trip to a thread (a plan of several inside one read
transaction, so that they share a snapshot). PostgreSQL: an asyncpg pool,
statements prepared once per connection, no transaction around a read (each
statement has its own snapshot, as campus's readers do).

Statements are written with ``:name`` parameters, turned into ``$n`` for
asyncpg here.
"""

from __future__ import annotations

import asyncio
import base64
import re
import sqlite3
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.floor.rows import Plan

__all__ = ["Reads", "open_reads"]

_NAME = re.compile(r"(?<![:\w]):([a-z_]\w*)")
_LITERAL = re.compile(r"('(?:[^']|'')*')")
SQLITE_THREADS = 4


@dataclass
class Cost:
    statements: int = 0
    rows: int = 0


def _b64(value: str | None) -> str | None:
    return None if value is None else base64.b64encode(value.encode()).decode("ascii")


def _b64url(value: str | None) -> str | None:
    if value is None:
        return None
    return base64.urlsafe_b64encode(value.encode()).decode("ascii").rstrip("=")


def _fold(value: str | None) -> str | None:
    # As campus's campus_fold: Unicode-aware, where SQLite's lower() folds ASCII only.
    return None if value is None else value.lower()


def _positional(sql: str) -> tuple[str, list[str]]:
    """``:name`` parameters (outside string literals) as ``$1``, ``$2``…; their names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    parts = _LITERAL.split(sql)
    return "".join(p if i % 2 else _NAME.sub(number, p) for i, p in enumerate(parts)), names


class Reads:
    """Runs the floor's plans and one-value statements on one back end."""

    async def plan(self, plan: Plan) -> tuple[Any, Cost]:
        raise NotImplementedError

    async def value(self, name: str, params: Mapping[str, Any]) -> tuple[str | None, Cost]:
        """The first column of the statement's one row (None when there is no row)."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class SqliteReads(Reads):
    def __init__(self, path: str, statements: Mapping[str, str]) -> None:
        self._path = path
        self._statements = dict(statements)
        self._local = threading.local()
        self._threads = ThreadPoolExecutor(SQLITE_THREADS, thread_name_prefix="floor-sqlite")

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None)
            connection.execute("PRAGMA busy_timeout=10000")
            connection.row_factory = sqlite3.Row
            for name, function in (
                ("floor_b64", _b64),
                ("floor_b64url", _b64url),
                ("campus_fold", _fold),
            ):
                connection.create_function(name, 1, function, deterministic=True)
            self._local.connection = connection
        return connection

    def _run(self, plan: Plan) -> tuple[Any, Cost]:
        connection, cost = self._connection(), Cost()
        connection.execute("BEGIN")
        try:
            name, params = next(plan)
            while True:
                rows = connection.execute(self._statements[name], params).fetchall()
                cost.statements += 1
                cost.rows += len(rows)
                name, params = plan.send(rows)
        except StopIteration as done:
            return done.value, cost
        finally:
            connection.execute("ROLLBACK")

    def _value(self, name: str, params: Mapping[str, Any]) -> tuple[str | None, Cost]:
        row = self._connection().execute(self._statements[name], params).fetchone()
        return (None if row is None else row[0]), Cost(1, 0 if row is None else 1)

    async def plan(self, plan: Plan) -> tuple[Any, Cost]:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, plan)

    async def value(self, name: str, params: Mapping[str, Any]) -> tuple[str | None, Cost]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._value, name, params)

    async def close(self) -> None:
        self._threads.shutdown()


class PostgresReads(Reads):
    def __init__(self, pool: asyncpg.Pool, statements: Mapping[str, str]) -> None:
        self._pool = pool
        self._statements = {name: _positional(sql) for name, sql in statements.items()}

    def _bound(self, name: str, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        sql, names = self._statements[name]
        return sql, [params[n] for n in names]

    async def plan(self, plan: Plan) -> tuple[Any, Cost]:
        cost = Cost()
        async with self._pool.acquire() as connection:
            try:
                name, params = next(plan)
                while True:
                    sql, args = self._bound(name, params)
                    rows = await connection.fetch(sql, *args)
                    cost.statements += 1
                    cost.rows += len(rows)
                    name, params = plan.send(rows)
            except StopIteration as done:
                return done.value, cost

    async def value(self, name: str, params: Mapping[str, Any]) -> tuple[str | None, Cost]:
        sql, args = self._bound(name, params)
        async with self._pool.acquire() as connection:
            row = await connection.fetchrow(sql, *args)
        return (None if row is None else row[0]), Cost(1, 0 if row is None else 1)

    async def close(self) -> None:
        await self._pool.close()


async def open_reads(database_url: str, statements: Mapping[str, str]) -> Reads:
    """The reader for ``DATABASE_URL`` (an SQLAlchemy URL, as campus takes it)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        return SqliteReads(url.database, statements)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
    return PostgresReads(pool, statements)
