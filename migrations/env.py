"""Alembic's entry point.

Migrations run on the sync ``Connection`` handed in as
``config.attributes["connection"]`` (what ``server.db.migrate`` and the tests do;
its owner commits), on an ``AsyncEngine`` handed in the same way, or else on
an engine of our own built from ``sqlalchemy.url`` or ``DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.db.engine import Database
from server.db.migrate import migration_transaction
from server.db.models import Base, UTCDateTime


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # A migration must keep working when the models change: spell out the stored type.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        # server.db.engine begins SQLite transactions itself, so its DDL is transactional too.
        transactional_ddl=True,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _run_own_transaction(connection: Connection) -> None:
    with migration_transaction(connection):
        _run(connection)


async def _run_on(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.run_sync(_run_own_transaction)


async def _run_on_own_engine() -> None:
    database = Database(_settings())
    try:
        await _run_on(database.engine)
    finally:
        await database.dispose()


def _settings() -> Settings:
    config = context.config
    # Without an ini file (pyproject.toml only) there is no section to ask.
    has_section = config.file_config.has_section(config.config_ini_section)
    url = config.get_main_option("sqlalchemy.url") if has_section else None
    return Settings(database_url=url) if url else Settings.from_env()


def _run_offline() -> None:
    url = _settings().database_url
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        render_item=_render_item,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    given = context.config.attributes.get("connection")
    if context.is_offline_mode():
        _run_offline()
    elif isinstance(given, Connection):
        _run(given)
    elif isinstance(given, AsyncEngine):
        asyncio.run(_run_on(given))
    elif given is None:
        asyncio.run(_run_on_own_engine())
    else:
        raise TypeError(f"cannot migrate on {given!r}: hand in a Connection or an AsyncEngine")


_main()
