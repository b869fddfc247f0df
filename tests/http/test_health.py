"""Readiness, and a graceful stop: SIGTERM lets the request in flight finish, then exits 0.

The stop is tested on a real ``campus serve`` process; the request is kept in
flight by a write lock the test holds on the database, released only after
the signal was sent.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server.config import Settings
from server.db.engine import Database
from server.db.migrate import upgrade
from server.db.models import Student
from tests.people import add_user, bearer
from tests.processes import campus_serve, server_env
from tests.rows import add_course, add_student
from tests.support import gid, serve_own

ENROLL = """mutation ($input: EnrollmentInput!) {
  enrollStudent(input: $input) { changed userErrors { code } } }"""


async def test_ready_only_once_migrated(settings: Settings, blank_database_url: str) -> None:
    async with serve_own(replace(settings, database_url=blank_database_url)) as app:
        response = await app.client.http.get("/readyz")
        assert response.status_code == 503
        assert response.json()["reason"].startswith("database at revision none")
        assert (await app.client.http.get("/healthz")).status_code == 200  # alive all the same
        await upgrade(app.database)
        response = await app.client.http.get("/readyz")
        assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_not_ready_once_shutdown_began(
    settings: Settings, own_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve_own(replace(settings, database_url=own_database_url)) as app:
        assert (await app.client.http.get("/readyz")).status_code == 200
        monkeypatch.setattr("server.http.health._stopping", True)
        response = await app.client.http.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "shutting down"}


@pytest.fixture
def served(
    settings: Settings, own_database_url: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = server_env(settings, own_database_url, CAMPUS_SHUTDOWN_SECONDS="20")
    with campus_serve(env, tmp_path / "serve.log") as served:
        yield served.base, served.process


async def test_sigterm_finishes_the_request_in_flight_then_exits_0(
    settings: Settings, own_database_url: str, served: tuple[str, subprocess.Popen[bytes]]
) -> None:
    base, process = served
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.begin() as conn:
        admin = bearer(settings, await add_user(conn, "admin", is_admin=True))
        student, course = await add_student(conn, "Sam"), await add_course(conn, "C1")
    variables = {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            # The enrollment waits for the write lock (SQLite) or the student's row lock.
            async with database.transaction() as session:
                await session.execute(
                    select(Student).where(Student.id == student).with_for_update()
                )
                request = asyncio.create_task(
                    http.post(
                        "/graphql", json={"query": ENROLL, "variables": variables}, headers=admin
                    )
                )
                await asyncio.sleep(1)
                assert not request.done()
                process.send_signal(signal.SIGTERM)
                await asyncio.sleep(1)
                assert process.poll() is None  # still draining
                with pytest.raises(httpx.ConnectError):  # and no longer accepting
                    await http.get("/readyz")
            response = await request
        assert response.status_code == 200
        assert response.json() == {"data": {"enrollStudent": {"changed": True, "userErrors": []}}}
        assert await asyncio.to_thread(process.wait, 30) == 0
    finally:
        await database.dispose()
