"""A database connection lost under a request (a restart, a dropped network).

A read runs again, once, on a fresh connection: the client sees its answer
(on PostgreSQL every connection of the pool is ended, as a restart ends
them; prepared reads on SQLite have connections of their own to a file).
A write cannot know what it left, so it answers ``DATABASE_UNAVAILABLE``
(retryable) and the database has rolled its transaction back: nothing
half-done stays. The connection is closed for real under the statement, the
driver's own, as a restart leaves it; every request commits on a database of
its own, as deployed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from server.config import Settings
from server.db.engine import Database
from server.db.models import Student, registrations
from tests.faults import invalidations, lost
from tests.people import add_user, bearer
from tests.rows import add_course, add_student
from tests.support import App, gid, serve_own

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

# Every other connection to the app's database ends, as when PostgreSQL restarts.
_TERMINATE = """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()"""
CREATE_STUDENT = """
mutation($input: CreateStudentInput!) {
  createStudent(input: $input) { student { name } userErrors { code } }
}
"""


@pytest.fixture
async def app(settings: Settings, own_database_url: str) -> AsyncIterator[App]:
    async with serve_own(replace(settings, database_url=own_database_url)) as app:
        yield app


async def _seed(app: App) -> tuple[dict[str, str], list[int]]:
    async with app.database.engine.begin() as connection:
        admin = await add_user(connection, "admin", is_admin=True)
        await add_student(connection, "Sam")
        courses = [await add_course(connection, code) for code in ("C1", "C2")]
    return bearer(app.settings, admin), courses


async def test_a_read_whose_connection_is_lost_is_read_again(app: App, read_path: str) -> None:
    await _seed(app)
    query = "{ students { nodes { name } } courses { totalCount } }"
    await app.client.query(query)  # seen once: with prepared reads, a plan answers from now on
    engine = app.database.engine

    with invalidations(engine) as invalidated:
        if app.database.is_sqlite:
            if read_path == "all":
                pytest.skip("prepared reads on SQLite have connections of their own to a file")
            with lost(engine, "FROM students") as closed:
                data = await app.client.query(query)
            assert len(closed) == 1
        else:  # as a restart leaves them: every connection of the pool is gone
            outsider = Database(app.settings)
            async with outsider.engine.connect() as connection:
                ended = (await connection.execute(text(_TERMINATE))).scalars().all()
            await outsider.dispose()
            assert ended
            assert all(ended)
            data = await app.client.query(query)

    assert data == {"students": {"nodes": [{"name": "Sam"}]}, "courses": {"totalCount": 2}}
    assert invalidated  # the dead connections were thrown away, not handed out again
    assert await app.client.query(query) == data


async def test_a_write_whose_connection_is_lost_says_so_and_leaves_nothing(app: App) -> None:
    headers, courses = await _seed(app)
    engine = app.database.engine
    variables = {"input": {"name": "Ann", "courseIds": [gid("Course", c) for c in courses]}}

    with lost(engine, "INSERT INTO registrations") as closed:
        body = await app.client.execute(CREATE_STUDENT, variables, **headers)

    assert len(closed) == 1
    assert body["data"] is None  # the payload is non-null: the error takes the whole answer
    [error] = body["errors"]
    assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE", "retryable": True}
    assert error["path"] == ["createStudent"]
    async with engine.connect() as connection:
        names = (await connection.execute(select(Student.name))).scalars().all()
        links = (await connection.execute(select(registrations))).all()
    assert (names, links) == (["Sam"], [])  # the student's row went with the registrations

    again = await app.client.query(CREATE_STUDENT, variables, **headers)
    assert again["createStudent"] == {"student": {"name": "Ann"}, "userErrors": []}
