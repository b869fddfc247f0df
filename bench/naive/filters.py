"""The parts of campus's filters and orders the benchmark's documents use, as SQL predicates.

Q4 filters students by name and by a course; Q6 a course's students by how
many courses they take, which campus reads off the student's counter. Q5 and
Q6 order by a counter, ties broken by the id in the same direction, as campus
orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, and_, func, true

from server.db import models

__all__ = [
    "CourseListFilter",
    "IntFilter",
    "OrderDirection",
    "StudentFilter",
    "order_keys",
    "student_filter",
]


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class StringFilter:
    eq: str | None = None
    contains: str | None = None


@strawberry.input
class IntFilter:
    eq: int | None = None
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@strawberry.input
class CourseFilter:
    code: StringFilter | None = None


@strawberry.input
class CourseListFilter:
    some: CourseFilter | None = None
    count: IntFilter | None = None


@strawberry.input
class StudentFilter:
    """The part of the campus filter that Q4 and Q6 use, compiled to the same SQL predicates."""

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


def _int(column: Any, spec: IntFilter) -> list[ColumnElement[bool]]:
    bounds = [
        (spec.eq, column.__eq__),
        (spec.gt, column.__gt__),
        (spec.gte, column.__ge__),
        (spec.lt, column.__lt__),
        (spec.lte, column.__le__),
    ]
    return [compare(value) for value, compare in bounds if value is not None]


def student_filter(spec: StudentFilter, sqlite: bool) -> ColumnElement[bool]:
    clauses = _string(models.Student.name, spec.name, sqlite) if spec.name else []
    if spec.courses is not None and spec.courses.some is not None:
        code = spec.courses.some.code
        course = _string(models.Course.code, code, sqlite) if code else []
        clauses.append(models.Student.courses.any(and_(true(), *course)))
    if spec.courses is not None and spec.courses.count is not None:
        clauses += _int(models.Student.course_count, spec.courses.count)
    return and_(true(), *clauses)


def order_keys(order_by: Sequence[tuple[str, OrderDirection]]) -> list[tuple[str, bool]]:
    """The columns of an ``orderBy`` as (name, descending), the id last as campus adds it."""
    keys: list[tuple[str, bool]] = []
    for name, direction in order_by:
        if all(name != seen for seen, _ in keys):
            keys.append((name, direction == OrderDirection.DESC))
    if all(name != "id" for name, _ in keys):
        keys.append(("id", keys[-1][1] if keys else False))
    return keys
