"""`campus check`: the kept columns compared with their truth, and repaired, as a user runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy import text

from server.config import Settings
from server.db.engine import Database
from tests.processes import CAMPUS

SMALL = ["--students", "30", "--courses", "8", "--teachers", "3", "--registrations", "60",
         "--users", "12", "--follows", "40", "--articles", "20", "--no-progress"]  # fmt: skip


def _campus(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [CAMPUS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


async def _break(url: str) -> tuple[int, int]:
    """Set a user's follower count and a course's teacher name wrong; their ids."""
    database = Database(Settings(database_url=url))
    try:
        async with database.engine.begin() as connection:
            user = await connection.scalar(text("SELECT min(id) FROM users"))
            course = await connection.scalar(
                text("SELECT min(id) FROM courses WHERE teacher_id IS NOT NULL")
            )
            await connection.execute(
                text("UPDATE users SET follower_count = follower_count + 5 WHERE id = :id"),
                {"id": user},
            )
            await connection.execute(
                text("UPDATE courses SET teacher_name = 'Nobody' WHERE id = :id"), {"id": course}
            )
    finally:
        await database.dispose()
    return user, course


async def test_check_finds_broken_columns_and_repair_sets_them_right(
    own_database_url: str, tmp_path: Path
) -> None:
    seeded = _campus(own_database_url, tmp_path, "seed", *SMALL)
    assert seeded.returncode == 0, seeded.stderr
    user, course = await _break(own_database_url)

    found = _campus(own_database_url, tmp_path, "check")
    assert found.returncode != 0
    assert "Traceback" not in found.stderr
    lines = found.stdout.splitlines()
    assert len(lines) == 2, found.stdout
    assert f"users.follower_count of id {user}: stored" in found.stdout
    assert f"courses.teacher_name of id {course}: stored 'Nobody', true '" in found.stdout
    assert "2 rows" in found.stderr
    assert "courses.teacher_name, users.follower_count" in found.stderr
    assert "--repair" in found.stderr

    repaired = _campus(own_database_url, tmp_path, "check", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "Repaired 2 rows" in repaired.stdout

    again = _campus(own_database_url, tmp_path, "check")
    assert again.returncode == 0, again.stderr
    assert "All 8 kept columns" in again.stdout


async def test_check_passes_on_a_clean_database(own_database_url: str, tmp_path: Path) -> None:
    empty = _campus(own_database_url, tmp_path, "check")
    assert empty.returncode == 0, empty.stderr
    assert _campus(own_database_url, tmp_path, "seed", *SMALL).returncode == 0

    seeded = _campus(own_database_url, tmp_path, "check", "--repair")

    assert seeded.returncode == 0, seeded.stderr
    assert "All 8 kept columns" in seeded.stdout
    assert "agree with their true values" in seeded.stdout


def test_check_wants_a_migrated_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'campus.db'}"
    refused = _campus(url, tmp_path, "check")
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert "campus migrate" in refused.stderr
