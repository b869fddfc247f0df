"""Migrations: up, down and up again on each back end; the head matches the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
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
from tests.conftest import _create_postgres_database, _drop_postgres_database


@pytest.fixture
async def fresh(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database of the same back end, for this test alone."""
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = await _create_postgres_database()
    database = Database(Settings(database_url=url))
    yield database
    await database.dispose()
    if not url.startswith("sqlite"):
        await _drop_postgres_database(url)


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
