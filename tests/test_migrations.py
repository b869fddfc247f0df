"""Migrations: up, down and up again on each back end; the head matches the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from server.config import Settings
from server.db import Database
from server.migrate import current, downgrade, upgrade
from server.models import Base


@pytest.fixture
async def fresh(blank_database_url: str) -> AsyncIterator[Database]:
    database = Database(Settings(database_url=blank_database_url))
    yield database
    await database.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _diff(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_upgrade_downgrade_upgrade(fresh: Database) -> None:
    assert await current(fresh) is None
    await upgrade(fresh)
    async with fresh.engine.connect() as conn:
        assert await conn.run_sync(_tables) == set(Base.metadata.tables)
    await downgrade(fresh, "base")
    assert await current(fresh) is None
    async with fresh.engine.connect() as conn:
        assert await conn.run_sync(_tables) == set()
    await upgrade(fresh)
    assert await current(fresh) is not None


async def test_the_head_migration_matches_the_models(fresh: Database) -> None:
    await upgrade(fresh)
    async with fresh.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
