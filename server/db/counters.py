"""The columns triggers keep (counters and copied names), their true values, and their repair.

The triggers of migration ``f6b2d8c4a1e7`` keep each of these in the
transaction that changes what it describes. ``KEPT`` says what each one
should equal, as a correlated sub-select for a row of its table; ``drifts``
lists the rows where it does not, and ``repair`` sets them right. The same
statements run on both back ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import ScalarSelect

from server.db.models import Article, Course, Follow, Student, Teacher, User, registrations

__all__ = ["KEPT", "Drift", "Kept", "drifts", "repair"]


@dataclass(frozen=True)
class Kept:
    """A kept column, and its true value for a row of its table."""

    column: InstrumentedAttribute[Any]
    true: ScalarSelect[Any]

    @property
    def table(self) -> str:
        return str(self.column.class_.__tablename__)

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column.key}"


@dataclass(frozen=True)
class Drift:
    """A row whose kept column differs from its true value."""

    table: str
    column: str
    row_id: int
    stored: Any
    true: Any


def _counter(
    column: InstrumentedAttribute[int], key: InstrumentedAttribute[Any] | ColumnElement[Any]
) -> Kept:
    """``column`` counts the rows whose ``key`` names its row."""
    parent = column.class_
    size = select(func.count()).where(key == parent.id)
    return Kept(column, size.correlate(parent).scalar_subquery())


def _copy(
    column: InstrumentedAttribute[Any],
    key: InstrumentedAttribute[Any],
    source: InstrumentedAttribute[Any],
) -> Kept:
    """``column`` copies ``source`` of the row ``key`` names (null when it names none)."""
    named = select(source).where(source.class_.id == key)
    return Kept(column, named.correlate(column.class_).scalar_subquery())


KEPT: tuple[Kept, ...] = (
    _counter(Student.course_count, registrations.c.student_id),
    _counter(Course.student_count, registrations.c.course_id),
    _counter(Teacher.course_count, Course.teacher_id),
    _counter(User.follower_count, Follow.followed_id),
    _counter(User.following_count, Follow.follower_id),
    _counter(User.article_count, Article.author_id),
    _copy(Course.teacher_name, Course.teacher_id, Teacher.name),
    _copy(Article.author_username, Article.author_id, User.username),
)


async def drifts(connection: AsyncConnection) -> list[Drift]:
    """Every row, of every kept column, whose stored value is not its true one; by id."""
    found = []
    for kept in KEPT:
        model = kept.column.class_
        rows = await connection.execute(
            select(model.id, kept.column, kept.true)
            .where(kept.column.is_distinct_from(kept.true))
            .order_by(model.id)
        )
        found += [Drift(kept.table, kept.column.key, *row) for row in rows]
    return found


async def repair(connection: AsyncConnection) -> dict[str, int]:
    """Set every kept column that differs to its true value; rows changed, by column.

    One UPDATE per column, in ``connection``'s transaction.
    """
    fixed = {}
    for kept in KEPT:
        result = await connection.execute(
            update(kept.column.class_)
            .where(kept.column.is_distinct_from(kept.true))
            .values({kept.column: kept.true})
        )
        fixed[kept.name] = result.rowcount
    return fixed
