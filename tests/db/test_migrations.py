"""Migrations: up, down and up again on each back end; the head matches the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import Connection

from server.config import Settings
from server.db import counters
from server.db.engine import Database
from server.db.migrate import current, downgrade, upgrade
from server.db.models import Article, Base, Follow
from tests.people import add_user
from tests.rows import add_course, add_student, add_teacher, register


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


async def test_the_counters_migration_counts_the_rows_already_there(fresh: Database) -> None:
    """Its first values, then its triggers under hand-typed statements, and down and up again."""
    await upgrade(fresh, "a9c4e2f6b8d3")
    async with fresh.engine.begin() as conn:
        ada, alan = await add_teacher(conn, "Ada"), await add_teacher(conn, "Alan")
        c1, c2 = await add_course(conn, "C1", teacher_id=ada), await add_course(conn, "C2")
        s1, s2 = await add_student(conn, "S1"), await add_student(conn, "S2")
        await register(conn, s1, c1, c2)
        await register(conn, s2, c1)
        u1, u2, u3 = [await add_user(conn, f"user_{i}") for i in range(3)]
        await conn.execute(
            insert(Follow), [{"follower_id": a, "followed_id": u3} for a in (u1, u2)]
        )
        await conn.execute(insert(Article), [{"title": "T", "body": "B", "author_id": u1}] * 2)
    await upgrade(fresh)
    expected = [
        ("SELECT student_count, teacher_name FROM courses ORDER BY id", [(2, "Ada"), (1, None)]),
        ("SELECT course_count FROM teachers ORDER BY id", [(1,), (0,)]),
        ("SELECT follower_count, following_count, article_count FROM users ORDER BY id",
         [(0, 1, 2), (0, 1, 0), (2, 0, 0)]),
    ]  # fmt: skip
    async with fresh.engine.begin() as conn:
        assert await counters.drifts(conn) == []
        for query, rows in expected:
            assert (await conn.execute(text(query))).all() == rows
        # Statements typed by hand: the triggers keep up with each.
        for statement in (
            f"UPDATE users SET username = 'renamed' WHERE id = {u1}",
            f"UPDATE teachers SET name = 'Grace' WHERE id = {ada}",
            f"UPDATE courses SET teacher_id = {alan} WHERE id = {c2}",
            f"UPDATE courses SET teacher_id = {alan} WHERE id = {c1}",
            f"UPDATE follows SET followed_id = {u1} WHERE follower_id = {u2}",
            f"UPDATE follows SET follower_id = {u3}, followed_id = {u2} WHERE follower_id = {u1}",
            f"UPDATE articles SET author_id = {u2} WHERE id = (SELECT min(id) FROM articles)",
            f"UPDATE registrations SET course_id = {c2} WHERE student_id = {s2}",
            f"UPDATE registrations SET student_id = {s2} WHERE course_id = {c1}",
            f"DELETE FROM teachers WHERE id = {alan}",
        ):
            await conn.execute(text(statement))
            assert await counters.drifts(conn) == [], statement
    await downgrade(fresh, "a9c4e2f6b8d3")
    await upgrade(fresh)
    async with fresh.engine.connect() as conn:
        assert await counters.drifts(conn) == []
        usernames = text("SELECT author_username FROM articles ORDER BY id")
        assert (await conn.execute(usernames)).all() == [("user_1",), ("renamed",)]
