"""Re-linking a student to its user while that user is deleted: no deadlock, no error.

Both sides lock the student's row before the user's (the delete unlinks the
student, then deletes the user), so they queue instead of deadlocking.
SQLite serialises every writer, so only PostgreSQL can race here.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from server.db.models import Student, User
from tests.people import add_user, bearer
from tests.rows import add_student
from tests.support import App, gid

ROUNDS = 50
LINK = """mutation ($input: LinkStudentUserInput!) {
  linkStudentUser(input: $input) { student { id } userErrors { field code } } }"""
DELETE_USER = """mutation ($input: DeleteInput!) {
  deleteUser(input: $input) { deletedId userErrors { code } } }"""


@pytest.mark.postgres_only
async def test_relinking_races_deleting_the_user_without_errors(app: App) -> None:
    if app.database.is_sqlite:
        pytest.skip("SQLite serialises every writer: there is no race to run")
    async with app.database.engine.begin() as connection:
        admin = bearer(app.settings, await add_user(connection, "admin", is_admin=True))
    outcomes: Counter[str] = Counter()
    for round_ in range(ROUNDS):
        async with app.database.engine.begin() as connection:
            user = await add_user(connection, f"user_{round_}")
            student = await add_student(connection, f"Student {round_}", user_id=user)
        link = {"input": {"studentId": gid("Student", student), "userId": gid("User", user)}}
        delete = {"input": {"id": gid("User", user)}}

        linked, deleted = await asyncio.gather(
            app.client.query(LINK, link, **admin), app.client.query(DELETE_USER, delete, **admin)
        )

        assert deleted["deleteUser"] == {"deletedId": gid("User", user), "userErrors": []}
        payload = linked["linkStudentUser"]
        if payload["student"] is not None:
            outcomes["linked first"] += 1
        else:
            assert payload["userErrors"] == [{"field": ["input", "userId"], "code": "NOT_FOUND"}]
            outcomes["deleted first"] += 1
        async with app.database.engine.connect() as connection:
            left = await connection.scalar(select(Student.user_id).where(Student.id == student))
            assert left is None
            assert await connection.scalar(select(User.id).where(User.id == user)) is None
    assert outcomes.total() == ROUNDS
    assert await app.drifts() == []
