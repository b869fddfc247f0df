"""Schema migrations: Alembic, run on the database's own engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

import migrations
from server.db.engine import Database

__all__ = [
    "MigrationError",
    "alembic_config",
    "current",
    "downgrade",
    "migration_transaction",
    "upgrade",
]


class MigrationError(RuntimeError):
    """A migration left the database in a state we refuse to commit."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file; migrations run on ``connection`` if given.

    A connection already in a transaction is left to its owner to commit.
    """
    config = Config()
    location = str(Path(migrations.__file__).parent)
    config.set_main_option("script_location", location.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Migrate the database up to ``revision``, in one transaction."""
    await _migrate(database, lambda config: command.upgrade(config, revision))


async def downgrade(database: Database, revision: str) -> None:
    """Migrate the database down to ``revision`` (``"base"`` drops everything)."""
    await _migrate(database, lambda config: command.downgrade(config, revision))


async def current(database: Database) -> str | None:
    """The revision the database is at, or None before the first migration."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def _migrate(database: Database, step: Callable[[Config], None]) -> None:
    def run(connection: Connection) -> None:
        with migration_transaction(connection):
            step(alembic_config(connection))

    async with database.engine.connect() as connection:
        await connection.run_sync(run)


@contextmanager
def migration_transaction(connection: Connection) -> Iterator[None]:
    """The transaction to migrate in, on a connection that has not begun one yet.

    On SQLite, foreign keys are off until it ends and checked before it commits:
    a batch migration rebuilds a table by dropping the old copy, and with foreign
    keys on that drop would cascade-delete every row referencing it. The pragma
    is a no-op inside a transaction, hence the raw cursor before BEGIN.
    """
    if connection.dialect.name != "sqlite":
        with connection.begin():
            yield
        return
    _pragma(connection, "foreign_keys=OFF")
    try:
        with connection.begin():
            yield
            violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise MigrationError(f"migration broke foreign keys: {violations[:5]}")
    finally:
        _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, pragma: str) -> None:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()
