"""The campus command, run as a user runs it: a real process on a real file."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from schema.root import schema
from tests.processes import CAMPUS, campus_serve


def _campus(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'campus.db'}"}
    return subprocess.run(
        [CAMPUS, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def _dump(tmp_path: Path) -> str:
    with sqlite3.connect(tmp_path / "campus.db") as db:
        return "\n".join(
            repr(row)
            for table in (
                "users",
                "teachers",
                "courses",
                "students",
                "registrations",
                "follows",
                "articles",
            )
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        )


SMALL = ["--students", "30", "--courses", "8", "--teachers", "3", "--registrations", "60",
         "--users", "12", "--follows", "40", "--articles", "20", "--no-progress"]  # fmt: skip


def test_migrate_then_seed_is_deterministic(tmp_path: Path) -> None:
    assert _campus(tmp_path, "migrate").returncode == 0
    first = _campus(tmp_path, "seed", *SMALL)
    assert first.returncode == 0, first.stderr
    dump = _dump(tmp_path)
    again = _campus(tmp_path, "seed", *SMALL, "--replace")
    assert again.returncode == 0, again.stderr
    assert _dump(tmp_path) == dump
    other = _campus(tmp_path, "seed", *SMALL, "--replace", "--seed", "7")
    assert other.returncode == 0
    assert _dump(tmp_path) != dump


def test_seed_refuses_a_database_that_holds_data(tmp_path: Path) -> None:
    assert _campus(tmp_path, "migrate").returncode == 0
    assert _campus(tmp_path, "seed", *SMALL).returncode == 0
    refused = _campus(tmp_path, "seed", *SMALL)
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert "replace" in refused.stderr + refused.stdout


def test_export_schema_prints_the_served_schema(tmp_path: Path) -> None:
    exported = _campus(tmp_path, "export-schema")
    assert exported.returncode == 0
    assert exported.stdout.strip() == schema.as_str().strip()


def test_the_committed_schema_file_is_current() -> None:
    committed = Path(__file__).resolve().parents[2] / "schema.graphql"
    assert committed.read_text().strip() == schema.as_str().strip(), (
        "schema.graphql is stale: run `campus export-schema > schema.graphql`"
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`campus serve` from an empty directory, as the README's first command runs it."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'campus.db'}"}
    env.pop("CAMPUS_SECRET_KEY", None)
    with campus_serve(env, tmp_path / "serve.log", arguments=()) as served:
        yield served.base


def test_serve_starts_on_an_empty_directory_with_demo_data(served: str) -> None:
    health = httpx.get(f"{served}/healthz", timeout=5)
    assert health.json() == {"status": "ok", "database": "ok"}
    query = "{ students(first: 5) { totalCount nodes { name courses { totalCount } } } }"
    body = httpx.post(f"{served}/graphql", json={"query": query}, timeout=5).json()
    assert body["data"]["students"]["totalCount"] > 0
    page = httpx.get(f"{served}/graphql", headers={"Accept": "text/html"}, timeout=5)
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    by_get = httpx.get(
        f"{served}/graphql", params={"query": "{ teachers { totalCount } }"}, timeout=5
    )
    assert by_get.json()["data"]["teachers"]["totalCount"] > 0


def test_serve_shows_the_demo_admins_password_once(served: str, tmp_path: Path) -> None:
    log = (tmp_path / "serve.log").read_text()
    found = re.search(r"username 'admin' and password '([^']+)'", log)
    assert found is not None, log
    log_in = """
    mutation($password: String!) {
      logIn(input: {username: "admin", password: $password}) { token user { isAdmin } }
    }
    """
    body = httpx.post(
        f"{served}/graphql",
        json={"query": log_in, "variables": {"password": found.group(1)}},
        timeout=5,
    ).json()
    assert body["data"]["logIn"]["user"] == {"isAdmin": True}
    token = body["data"]["logIn"]["token"]
    created = httpx.post(
        f"{served}/graphql",
        json={"query": 'mutation { createTeacher(input: {name: "New"}) { teacher { name } } }'},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert created["data"]["createTeacher"]["teacher"] == {"name": "New"}
    assert stat.S_IMODE((tmp_path / ".campus-secret-key").stat().st_mode) == 0o600


def test_create_admin_takes_its_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _campus(tmp_path, "migrate").returncode == 0
    monkeypatch.setenv("CAMPUS_ADMIN_PASSWORD", "correct horse")

    created = _campus(tmp_path, "create-admin", "Root_User")
    again = _campus(tmp_path, "create-admin", "root_user")
    monkeypatch.setenv("CAMPUS_ADMIN_PASSWORD", "short")
    weak = _campus(tmp_path, "create-admin", "other")

    assert created.returncode == 0, created.stderr
    assert "root_user" in created.stdout
    with sqlite3.connect(tmp_path / "campus.db") as db:
        rows = db.execute("SELECT username, is_admin, password_hash FROM users").fetchall()
    assert [(name, admin) for name, admin, _ in rows] == [("root_user", 1)]
    assert rows[0][2].startswith("$argon2id$")
    for failed, message in ((again, "taken"), (weak, "8 to 128 characters")):
        assert failed.returncode != 0
        assert message in failed.stderr
        assert "Traceback" not in failed.stderr
