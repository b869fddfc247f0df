"""How the app begins its transactions: on SQLite only a mutation's takes the write lock;
on PostgreSQL a read sends no transaction control at all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from tests.people import add_user, bearer
from tests.rows import add_course, add_student
from tests.support import App, gid

READ = """
query($id: ID!) {
  viewer { username }
  students { nodes { name courses { nodes { code students { totalCount } } } } }
  node(id: $id) { ... on Course { code } }
}
"""
ENROLL = """
mutation($input: EnrollmentInput!) {
  enrollStudent(input: $input) { changed student { courses { nodes { code } } } }
}
"""
T = TypeVar("T")


@contextmanager
def begins(app: App) -> Iterator[Counter[str]]:
    """The BEGIN statements sent while in the block, by kind."""
    seen: Counter[str] = Counter()

    def count(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN"):
            seen[statement] += 1

    engine = app.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _read_then_enroll(
    app: App, watch: Callable[[App], AbstractContextManager[T]]
) -> tuple[T, T]:
    """What ``watch`` saw of a read (a query and /healthz), then of an enrollment."""
    async with app.database.engine.begin() as connection:
        headers = bearer(app.settings, await add_user(connection, "admin", is_admin=True))
        student = await add_student(connection)
        course = await add_course(connection, "C1")

    with watch(app) as reading:
        await app.client.query(READ, {"id": gid("Course", course)}, **headers)
        assert (await app.client.http.get("/healthz")).status_code == 200
    with watch(app) as writing:
        link = {"studentId": gid("Student", student), "courseId": gid("Course", course)}
        await app.client.query(ENROLL, {"input": link}, **headers)
    return reading, writing


async def test_only_a_mutation_takes_the_write_lock_at_begin(app: App) -> None:
    if not app.database.is_sqlite:
        pytest.skip("PostgreSQL locks rows, not the database")
    reading, writing = await _read_then_enroll(app, begins)
    assert set(reading) == {"BEGIN DEFERRED"}
    # The viewer is read before the write, the payload after it.
    assert writing == {"BEGIN DEFERRED": 2, "BEGIN IMMEDIATE": 1}


@contextmanager
def driver_queries(app: App) -> Iterator[list[str]]:
    """What asyncpg sends by simple query (BEGIN, COMMIT, ROLLBACK…) while in the block."""
    sent: list[str] = []

    def log(record: Any) -> None:
        sent.append(record.query)

    attached: list[Any] = []

    def attach(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(log)
        attached.append(dbapi_connection.driver_connection)

    engine = app.database.engine.sync_engine
    event.listen(engine, "checkout", attach)
    try:
        yield sent
    finally:
        event.remove(engine, "checkout", attach)
        for connection in attached:
            connection.remove_query_logger(log)


async def test_a_read_sends_no_begin_or_rollback_on_postgresql(app: App) -> None:
    if app.database.is_sqlite:
        pytest.skip("a SQLite reader's transaction keeps one snapshot for all its reads")
    reading, writing = await _read_then_enroll(app, driver_queries)
    control = ("BEGIN", "COMMIT", "ROLLBACK")
    assert [query for query in reading if query.startswith(control)] == []
    assert [query.split()[0].rstrip(";") for query in writing if query.startswith(control)] == [
        "BEGIN",
        "COMMIT",
    ]
