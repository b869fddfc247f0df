"""The naive baseline's root fields, and the part of the campus filter that Q4 uses."""

from __future__ import annotations

import base64
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, and_, func, select, true

from bench.cursors import decode_cursor
from bench.naive.context import Info
from bench.naive.types import Connection, Node, Student, User, id_cursor, page
from server.db import models

__all__ = ["Query"]


@strawberry.input
class StringFilter:
    eq: str | None = None
    contains: str | None = None


@strawberry.input
class CourseFilter:
    code: StringFilter | None = None


@strawberry.input
class CourseListFilter:
    some: CourseFilter | None = None


@strawberry.input
class StudentFilter:
    """The part of the campus filter that Q4 uses, compiled to the same SQL predicates."""

    name: StringFilter | None = None
    courses: CourseListFilter | None = None


def _string(column: Any, spec: StringFilter, sqlite: bool) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if spec.eq is not None:
        clauses.append(column == spec.eq)
    if spec.contains is not None:
        fold, position = ("campus_fold", "instr") if sqlite else ("lower", "strpos")
        folded = getattr(func, fold)
        clauses.append(getattr(func, position)(folded(column), folded(spec.contains)) > 0)
    return clauses


def _student_filter(spec: StudentFilter, sqlite: bool) -> ColumnElement[bool]:
    clauses = _string(models.Student.name, spec.name, sqlite) if spec.name else []
    if spec.courses is not None and spec.courses.some is not None:
        code = spec.courses.some.code
        course = _string(models.Course.code, code, sqlite) if code else []
        clauses.append(models.Student.courses.any(and_(true(), *course)))
    return and_(true(), *clauses)


@strawberry.type
class Query:
    @strawberry.field
    async def students(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: StudentFilter | None = None,
    ) -> Connection[Student]:
        student = models.Student
        predicate = true() if filter is None else _student_filter(filter, _sqlite(info))
        stmt = select(student).where(predicate)
        if after is not None:
            [last] = decode_cursor(after, "Query.students", "id:asc")
            stmt = stmt.where(student.id > last)
        nodes, more = await page(info, stmt, [student.id], first, Student.from_row)

        async def count() -> int:
            [total] = await info.context.objects(
                select(func.count()).select_from(student).where(predicate)
            )
            return int(total)

        return Connection(
            nodes=nodes,
            has_next=more,
            after=after,
            cursor_of=id_cursor("Query.students"),
            counter=count,
        )

    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        raw = base64.b64decode(id).decode()
        type_name, _, pk = raw.partition(":")
        if type_name != "User":
            raise NotImplementedError("node() is only implemented for users")
        users = await info.context.objects(select(models.User).where(models.User.id == int(pk)))
        return User.from_row(users[0]) if users else None


def _sqlite(info: Info) -> bool:
    return info.context.database.is_sqlite
