"""Loading a generated data set: the benchmark's, or the small demo one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import Table, delete, exists, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm import tqdm

from server.db.engine import Database
from server.db.models import Base
from server.seeding.dataset import Row, Sizes, tables
from server.services.accounts import NewAccount, create_user

__all__ = [
    "DEMO_ADMIN",
    "DEMO_SIZES",
    "Loaded",
    "SeedError",
    "insert_rows",
    "is_empty",
    "load_demo",
    "load_tables",
    "seed",
]

DEMO_SIZES = Sizes(
    students=40, courses=12, teachers=5, registrations=100, users=12, follows=30, articles=25
)
DEMO_ADMIN = "admin"
"""The username of the demo data set's admin; ``campus serve`` makes up its password."""

# Rows per executemany: large enough to amortise the round trip, small enough
# to keep the parameter lists modest.
_CHUNK = 5_000
# What one statement may bind on PostgreSQL (asyncpg's wire protocol: 32,767).
_MAX_PARAMETERS = 32_767


class SeedError(Exception):
    """The data set cannot be loaded as asked."""


@dataclass(frozen=True)
class Loaded:
    """What was loaded: rows per table, in the order loaded, and how long it took."""

    counts: dict[str, int]
    seconds: float


async def seed(
    database: Database,
    *,
    students: int = 10_000,
    courses: int = 500,
    teachers: int = 100,
    registrations: int = 50_000,
    users: int = 5_000,
    follows: int = 50_000,
    articles: int = 20_000,
    seed: int = 0,
    replace: bool = False,
    progress: bool = True,
) -> Loaded:
    """Load a generated data set of the given sizes; the same seed gives the same rows.

    The generated users cannot log in: their password hash is a marker that no
    password matches (see ``server.seeding.dataset.NO_PASSWORD``). It all happens in
    one transaction, so a failure leaves the database as it was. An empty
    database is required unless ``replace`` is true, which deletes every row
    first.
    """
    sizes = Sizes(
        students=students,
        courses=courses,
        teachers=teachers,
        registrations=registrations,
        users=users,
        follows=follows,
        articles=articles,
    )
    _check(sizes)
    started = time.perf_counter()
    async with database.transaction() as session:
        connection = await session.connection()
        if replace:
            await _clear(connection)
        elif not await _is_empty(connection):
            raise SeedError(
                "the database already holds data: replace it (--replace) or use another"
            )
        counts = await load_tables(connection, sizes, seed, progress=progress)
        # Planners choose joins from table statistics; after a bulk load there
        # are none yet (and PostgreSQL's autovacuum may be off or not have run).
        await connection.execute(text("ANALYZE"))
    if database.engine.dialect.name == "postgresql":
        await _vacuum(database)
    return Loaded(counts, time.perf_counter() - started)


async def _vacuum(database: Database) -> None:
    """Mark the freshly loaded pages all-visible, outside any transaction as VACUUM must be.

    Until a vacuum has set the visibility map, PostgreSQL's index-only scans
    (a page of a course's registrations, a user's follows) still read every
    row's heap page to check that it is visible.
    """
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM"))


async def load_demo(database: Database, admin_password_hash: str) -> Loaded | None:
    """Load the small demo data set into an empty database; None if it was not empty.

    Besides the generated users, who cannot log in, it has an admin
    (``DEMO_ADMIN``) whose password is the one ``admin_password_hash`` hashes.
    """
    started = time.perf_counter()
    async with database.transaction() as session:
        connection = await session.connection()
        if not await _is_empty(connection):
            return None
        counts = await load_tables(connection, DEMO_SIZES, seed=0, progress=False)
        admin = NewAccount(DEMO_ADMIN, "Demo admin")
        await create_user(session, admin, password_hash=admin_password_hash, is_admin=True)
        counts["users"] += 1
    return Loaded(counts, time.perf_counter() - started)


async def is_empty(database: Database) -> bool:
    """Whether no table of the models holds a row."""
    async with database.reader() as session:
        return await _is_empty(await session.connection())


async def load_tables(
    connection: AsyncConnection, sizes: Sizes, seed: int = 0, *, progress: bool = True
) -> dict[str, int]:
    """Insert a generated data set in ``connection``'s transaction; rows per table.

    The tables are assumed empty (ids are generated from 1); ``seed`` checks that.
    """
    _check(sizes)
    plan = tables(sizes, seed)
    counts: dict[str, int] = {}
    total = sum(count for _, count, _ in plan)
    with tqdm(total=total, unit=" rows", unit_scale=True, disable=not progress) as bar:
        for name, count, rows in plan:
            bar.set_description(f"{name:<13}")
            async for inserted in insert_rows(connection, Base.metadata.tables[name], rows):
                bar.update(inserted)
            counts[name] = count
    if connection.dialect.name == "postgresql":
        await _advance_sequences(connection)
    return counts


async def insert_rows(
    connection: AsyncConnection, table: Table, rows: Iterable[Row]
) -> AsyncIterator[int]:
    """Insert ``rows`` into ``table`` a chunk at a time; yields each chunk's size once in.

    On PostgreSQL one multi-row INSERT per chunk, not an executemany (a
    statement per row there): the counters' triggers then move each counter
    once per chunk, where per row a user followed 20,000 times would have its
    row rewritten 20,000 times in one transaction.
    """
    statement = insert(table)
    multi_row = connection.dialect.name == "postgresql"
    size = min(_CHUNK, _MAX_PARAMETERS // len(table.c)) if multi_row else _CHUNK
    for chunk in _chunks(rows, size):
        if multi_row:
            await connection.execute(statement.values(chunk))
        else:
            await connection.execute(statement, chunk)
        yield len(chunk)


def _check(sizes: Sizes) -> None:
    if problems := sizes.problems():
        raise SeedError("; ".join(problems))


async def _is_empty(connection: AsyncConnection) -> bool:
    found = select(*(exists().select_from(table) for table in Base.metadata.sorted_tables))
    return not any((await connection.execute(found)).one())


async def _clear(connection: AsyncConnection) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        await connection.execute(delete(table))


async def _advance_sequences(connection: AsyncConnection) -> None:
    # The rows came with their ids, which PostgreSQL's sequences know nothing of.
    for table in Base.metadata.sorted_tables:
        if "id" in table.c:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"
                )
            )


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
