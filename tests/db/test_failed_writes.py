"""A mutation that fails half-way through its writes leaves the database exactly as it was.

The failure is put into the app's real engine: the n-th write statement runs
in the database, then the work raises. Every request commits on a database of
its own, as deployed, so what is checked afterwards is what a client would see.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.faults import failing_write, invalidations
from tests.people import add_user, bearer
from tests.rows import add_course, add_student, register, registered, snapshot
from tests.support import App, gid

SET_COURSES = """
mutation($input: SetStudentCoursesInput!) {
  setStudentCourses(input: $input) { student { courses { nodes { code } } } userErrors { code } }
}
"""
CREATE_STUDENT = """
mutation($input: CreateStudentInput!) {
  createStudent(input: $input) { student { courses { nodes { code } } } userErrors { code } }
}
"""
CODES = ("C1", "C2", "C3", "C4", "C5")


async def _seed(app: App) -> tuple[dict[str, str], int, list[int]]:
    """An admin's headers, a student registered for C1 and C2, and five courses."""
    async with app.database.engine.begin() as connection:
        admin = await add_user(connection, "admin", is_admin=True)
        student = await add_student(connection, "Sam")
        courses = [await add_course(connection, code) for code in CODES]
        await register(connection, student, *courses[:2])
    return bearer(app.settings, admin), student, courses


async def _state(app: App) -> dict[str, list[tuple[Any, ...]]]:
    async with app.database.engine.connect() as connection:
        return await snapshot(connection)


def _masked(body: dict[str, Any]) -> None:
    """The client learns that something broke, and nothing of what."""
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"]
    text = json.dumps(body)
    assert not any(leak in text for leak in ("Injected", "INSERT", "DELETE", "Traceback"))


@pytest.mark.parametrize("nth", [1, 2])
async def test_a_replacement_failing_after_a_write_changes_nothing(
    app: App, nth: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Old registrations are deleted (write 1), new ones inserted (write 2), then it fails."""
    headers, student, courses = await _seed(app)
    before = await _state(app)
    engine = app.database.engine
    variables = {
        "input": {
            "studentId": gid("Student", student),
            "courseIds": [gid("Course", c) for c in courses[2:]],
        }
    }

    with invalidations(engine) as invalidated:
        with failing_write(engine, nth):
            _masked(await app.client.execute(SET_COURSES, variables, **headers))
        assert await _state(app) == before
        replaced = await app.client.query(SET_COURSES, variables, **headers)
    assert invalidated == []
    assert f"InjectedError: injected after write {nth}" in caplog.text
    nodes = replaced["setStudentCourses"]["student"]["courses"]["nodes"]
    assert [n["code"] for n in nodes] == ["C3", "C4", "C5"]
    async with engine.connect() as connection:
        assert await registered(connection, student) == courses[2:]


@pytest.mark.parametrize("nth", [1, 2])
async def test_a_new_student_failing_after_a_write_is_not_created(
    app: App, nth: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The student's row is inserted (write 1), its registrations (write 2), then it fails."""
    headers, _, courses = await _seed(app)
    before = await _state(app)
    engine = app.database.engine
    variables = {"input": {"name": "Ann", "courseIds": [gid("Course", c) for c in courses[:3]]}}

    with invalidations(engine) as invalidated:
        with failing_write(engine, nth):
            _masked(await app.client.execute(CREATE_STUDENT, variables, **headers))
        assert await _state(app) == before
        created = await app.client.query(CREATE_STUDENT, variables, **headers)
    assert invalidated == []
    assert f"InjectedError: injected after write {nth}" in caplog.text
    nodes = created["createStudent"]["student"]["courses"]["nodes"]
    assert [n["code"] for n in nodes] == ["C1", "C2", "C3"]
