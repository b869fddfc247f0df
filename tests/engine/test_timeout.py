"""The request timeout: a request past its time budget is cut off, and leaves nothing behind.

The database is made slow for real, through the app's own engine: it sleeps
before chosen statements, or another transaction holds the lock a writer
needs. Every request commits on a database of its own, as deployed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from graphql import get_introspection_query
from sqlalchemy import func, select

from server.config import Settings, SettingsError
from server.db.engine import Database
from server.db.models import Student, registrations
from tests.faults import invalidations, ran, settled, slowed, slowed_reads
from tests.people import add_user, bearer
from tests.rows import add_course, add_student, snapshot
from tests.support import App, GraphQLClient, gid, serve, serve_own

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

BUDGET = 0.5  # roomy enough for a loaded machine to do the work before the slow step
SLOW = 2.0  # seconds the database is kept busy: well past the budget

STUDENTS = "{ students { nodes { name } } }"
CREATE_STUDENT = """
mutation($input: CreateStudentInput!) {
  createStudent(input: $input) { student { name } userErrors { code } }
}
"""
ENROLL = """
mutation($input: EnrollmentInput!) {
  enrollStudent(input: $input) { changed userErrors { code } }
}
"""


@pytest.fixture
async def app(settings: Settings, own_database_url: str) -> AsyncIterator[App]:
    own = replace(settings, database_url=own_database_url, request_timeout_seconds=BUDGET)
    async with serve_own(own) as app:
        yield app


async def _seed(app: App) -> tuple[dict[str, str], int, list[int]]:
    """An admin's headers, a student and two courses, committed."""
    async with app.database.engine.begin() as connection:
        admin = await add_user(connection, "admin", is_admin=True)
        student = await add_student(connection, "Sam")
        courses = [await add_course(connection, code) for code in ("C1", "C2")]
    return bearer(app.settings, admin), student, courses


async def _state(app: App) -> dict[str, list[tuple[Any, ...]]]:
    async with app.database.engine.connect() as connection:
        return await snapshot(connection)


def _timed_out(body: dict[str, Any]) -> None:
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "budgetSeconds": BUDGET}
    assert f"time budget of {BUDGET:g} s" in error["message"]


async def test_a_slow_query_is_cut_off_and_its_connection_comes_back(app: App) -> None:
    await _seed(app)
    engine = app.database.engine

    with invalidations(engine) as invalidated:
        with slowed_reads(app.database, "FROM students", SLOW) as finished:
            _timed_out(await app.client.execute(STUDENTS))
            assert finished == []  # answered while the database was still busy
            await ran(finished, 1)  # the statement ran to its end, uncancelled
            await settled(engine)
        assert len(finished) == 1
        assert await app.client.query(STUDENTS) == {"students": {"nodes": [{"name": "Sam"}]}}
    assert invalidated == []


async def test_a_mutation_cut_off_after_its_first_write_commits_nothing(app: App) -> None:
    headers, _, courses = await _seed(app)
    before = await _state(app)
    engine = app.database.engine
    variables = {"input": {"name": "Ann", "courseIds": [gid("Course", c) for c in courses]}}

    with invalidations(engine) as invalidated:
        # The student's row is written at once; the registrations, later.
        with slowed(engine, "INSERT INTO registrations", SLOW) as finished:
            _timed_out(await app.client.execute(CREATE_STUDENT, variables, **headers))
            await settled(engine)
        assert len(finished) == 1
        assert await _state(app) == before
        created = await app.client.query(CREATE_STUDENT, variables, **headers)
    assert created["createStudent"] == {"student": {"name": "Ann"}, "userErrors": []}
    assert invalidated == []


async def test_a_writer_waiting_for_a_lock_is_cut_off_and_commits_nothing(app: App) -> None:
    headers, student, [course, _] = await _seed(app)
    engine = app.database.engine
    link = {"input": {"studentId": gid("Student", student), "courseId": gid("Course", course)}}

    # Another process's writer holds the student's row (on SQLite, the write lock).
    rivals = Database(app.settings)
    with invalidations(engine) as invalidated:
        async with rivals.transaction() as rival:
            await rival.get(Student, student, with_for_update=True)
            _timed_out(await app.client.execute(ENROLL, link, **headers))
        await rivals.dispose()
        await settled(engine)  # the cut-off enrollment got the lock once the rival let go
        assert await app.count(select(func.count()).select_from(registrations)) == 0
        enrolled = await app.client.query(ENROLL, link, **headers)
    assert enrolled["enrollStudent"] == {"changed": True, "userErrors": []}
    assert invalidated == []


async def test_a_timeout_of_zero_is_no_timeout(settings: Settings, own_database_url: str) -> None:
    own = replace(settings, database_url=own_database_url, request_timeout_seconds=0)
    async with serve_own(own) as app:
        await _seed(app)
        with slowed_reads(app.database, "FROM students", 2 * BUDGET):
            assert await app.client.query(STUDENTS) == {"students": {"nodes": [{"name": "Sam"}]}}


async def test_an_answer_still_being_built_past_the_budget_is_abandoned(
    settings: Settings, database: Database
) -> None:
    # Introspection never awaits, so the event loop never gets the turn it
    # needs to cut it off: only the executor's own look at the clock can.
    budget = 1e-9
    async with serve(replace(settings, request_timeout_seconds=budget), database) as http:
        body = await GraphQLClient(http).execute(get_introspection_query())
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "budgetSeconds": budget}


@pytest.mark.parametrize(
    ("raw", "seconds"), [(None, 10.0), ("", 10.0), ("2.5", 2.5), ("30", 30.0), ("0", 0.0)]
)
def test_the_timeout_is_read_from_the_environment(raw: str | None, seconds: float) -> None:
    env = {} if raw is None else {"CAMPUS_REQUEST_TIMEOUT_SECONDS": raw}
    assert Settings.from_env(env).request_timeout_seconds == seconds


@pytest.mark.parametrize("raw", ["-1", "soon", "nan"])
def test_a_timeout_that_is_no_duration_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="CAMPUS_REQUEST_TIMEOUT_SECONDS"):
        Settings.from_env({"CAMPUS_REQUEST_TIMEOUT_SECONDS": raw})


async def test_a_document_cut_off_loses_the_payloads_of_mutations_it_had_committed(
    app: App,
) -> None:
    """What a client sees, as the README says: no payloads, but earlier mutations stay."""
    headers, student, courses = await _seed(app)
    engine = app.database.engine
    document = """
    mutation($first: CreateStudentInput!, $second: EnrollmentInput!) {
      first: createStudent(input: $first) { student { name } userErrors { code } }
      second: enrollStudent(input: $second) { changed userErrors { code } }
    }
    """
    variables = {
        "first": {"name": "Ann"},
        "second": {"studentId": gid("Student", student), "courseId": gid("Course", courses[0])},
    }

    with slowed(engine, "INSERT INTO registrations", SLOW):
        body = await app.client.execute(document, variables, **headers)
        await settled(engine)

    _timed_out(body)
    async with engine.connect() as connection:
        names = (await connection.execute(select(Student.name).order_by(Student.id))).scalars()
        assert list(names) == ["Sam", "Ann"]
        assert (
            await connection.execute(select(func.count()).select_from(registrations))
        ).scalar_one() == 0
