"""Rows for tests of the write side: inserted directly, and the database read back whole."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Base, Course, Student, Teacher, registrations
from server.seeding.seed import insert_rows

__all__ = [
    "add_course",
    "add_student",
    "add_teacher",
    "insert_many",
    "register",
    "registered",
    "snapshot",
]


async def insert_many(connection: AsyncConnection, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows as the seed does (``insert_rows``): few statements, not one a row."""
    async for _ in insert_rows(connection, getattr(model, "__table__", model), rows):
        pass


async def add_teacher(
    connection: AsyncConnection, name: str = "Ada Lovelace", **values: Any
) -> int:
    stmt = insert(Teacher).values(name=name, **values).returning(Teacher.id)
    return (await connection.execute(stmt)).scalar_one()


async def add_course(
    connection: AsyncConnection, code: str, title: str = "A course", **values: Any
) -> int:
    stmt = insert(Course).values(code=code, title=title, **values).returning(Course.id)
    return (await connection.execute(stmt)).scalar_one()


async def add_student(connection: AsyncConnection, name: str = "Sam", **values: Any) -> int:
    stmt = insert(Student).values(name=name, **values).returning(Student.id)
    return (await connection.execute(stmt)).scalar_one()


async def register(connection: AsyncConnection, student_id: int, *course_ids: int) -> None:
    await connection.execute(
        insert(registrations), [{"student_id": student_id, "course_id": c} for c in course_ids]
    )


async def registered(connection: AsyncConnection, student_id: int) -> list[int]:
    """The ids of the student's courses, ascending."""
    stmt = (
        select(registrations.c.course_id)
        .where(registrations.c.student_id == student_id)
        .order_by(registrations.c.course_id)
    )
    return list((await connection.scalars(stmt)).all())


async def snapshot(connection: AsyncConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every data table: equal snapshots mean nothing changed.

    Failed log-ins are left out: counting a wrong password is not a change.
    """
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "login_failures":
            continue
        rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
        tables[table.name] = [tuple(row) for row in rows]
    return tables
