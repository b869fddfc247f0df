"""The seeded data set, as the planner finds it after ``campus seed``."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server.config import Settings
from server.db.engine import Database
from server.seeding.seed import seed


async def test_seed_leaves_postgresql_tables_all_visible(own_database_url: str) -> None:
    if make_url(own_database_url).get_backend_name() == "sqlite":
        pytest.skip("only PostgreSQL keeps a visibility map")
    database = Database(Settings(database_url=own_database_url))
    try:
        await seed(database, students=200, courses=20, teachers=5, registrations=800,
                   users=100, follows=600, articles=200, progress=False)  # fmt: skip
        async with database.engine.connect() as connection:
            pages = await connection.execute(
                text(
                    "SELECT relname, relpages, relallvisible FROM pg_class"
                    " WHERE relname IN ('registrations', 'follows', 'articles')"
                )
            )
            found = {name: (total, visible) for name, total, visible in pages}
    finally:
        await database.dispose()
    assert set(found) == {"registrations", "follows", "articles"}
    # Index-only scans over a course's registrations need no heap page then.
    assert all(total > 0 and visible == total for total, visible in found.values()), found
