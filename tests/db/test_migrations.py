"""Migrations: up, down and up again on each back end; the head matches the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from server.config import Settings
from server.db.engine import Database
from server.db.migrate import current, downgrade, upgrade
from server.db.models import Base


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


async def test_upgrading_keeps_the_rows_and_ids_are_never_reused_after(fresh: Database) -> None:
    await upgrade(fresh, "af03e879abdd")
    async with fresh.engine.begin() as conn:
        await conn.execute(text("INSERT INTO teachers (id, name) VALUES (1, 'Ada'), (2, 'Alan')"))
        await conn.execute(
            text("INSERT INTO courses (id, code, title, teacher_id) VALUES (7, 'C7', 'Seven', 2)")
        )
    await upgrade(fresh)
    async with fresh.engine.begin() as conn:
        assert (await conn.execute(text("SELECT id, teacher_id FROM courses"))).all() == [(7, 2)]
        await conn.execute(text("DELETE FROM teachers WHERE id = 2"))
        # The foreign key still acts after the rebuild: the course lost its teacher.
        assert (await conn.execute(text("SELECT teacher_id FROM courses"))).all() == [(None,)]
        if not fresh.is_sqlite:
            # Rows inserted with their ids leave the sequence behind; a real one is past them.
            await conn.execute(text("SELECT setval('teachers_id_seq', 2)"))
        new_id = (
            await conn.execute(text("INSERT INTO teachers (name) VALUES ('Grace') RETURNING id"))
        ).scalar_one()
    assert new_id == 3
