"""The naive baseline's root fields, and the parts of the campus filters and orders used.

Q4 filters students by name and course; Q6 by how many courses they take (the
counter campus's filter reads). Q5 and Q6 order by a counter, ties by id the
same way, as campus does.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar

import strawberry
from sqlalchemy import and_, func, or_, select, true

from bench.cursors import decode_cursor, encode_cursor
from bench.naive.context import Info
from bench.naive.filters import OrderDirection, StudentFilter, order_keys, student_filter
from bench.naive.types import Connection, Course, Node, Student, User, id_cursor, page
from server.db import models

__all__ = ["Query"]

T = TypeVar("T")


@strawberry.enum
class UserOrderField(Enum):
    ID = "id"
    FOLLOWER_COUNT = "follower_count"


@strawberry.input
class UserOrder:
    field: UserOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.enum
class CourseOrderField(Enum):
    ID = "id"
    STUDENT_COUNT = "student_count"


@strawberry.input
class CourseOrder:
    field: CourseOrderField
    direction: OrderDirection = OrderDirection.ASC


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
        predicate = true() if filter is None else student_filter(filter, _sqlite(info))
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
    async def users(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        order_by: list[UserOrder] | None = None,
    ) -> Connection[User]:
        return await _ordered(
            info, models.User, User.from_row, "Query.users", first, after, order_by
        )

    @strawberry.field
    async def courses(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        order_by: list[CourseOrder] | None = None,
    ) -> Connection[Course]:
        return await _ordered(
            info, models.Course, Course.from_row, "Query.courses", first, after, order_by
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


async def _ordered(
    info: Info,
    model: Any,
    build: Callable[[Any], T],
    list_name: str,
    first: int,
    after: str | None,
    order_by: Sequence[UserOrder | CourseOrder] | None,
) -> Connection[T]:
    """A page of every row of ``model`` in ``orderBy`` (then the id), after a keyset cursor."""
    keys = order_keys([(o.field.value, o.direction) for o in order_by or []])
    signature = ",".join(f"{name}:{'desc' if desc else 'asc'}" for name, desc in keys)
    columns = [getattr(model, name) for name, _ in keys]
    stmt = select(model)
    if after is not None:
        values = decode_cursor(after, list_name, signature)
        stmt = stmt.where(_past(columns, [desc for _, desc in keys], values))
    order = [
        column.desc() if desc else column for column, (_, desc) in zip(columns, keys, strict=True)
    ]
    sort_values: dict[int, list[Any]] = {}

    def keep(row: Any) -> T:
        node = build(row)
        sort_values[id(node)] = [getattr(row, name) for name, _ in keys]
        return node

    nodes, more = await page(info, stmt, order, first, keep)

    def cursor_of(node: Any) -> str:
        return encode_cursor(list_name, signature, sort_values[id(node)])

    async def count() -> int:
        raise NotImplementedError("totalCount is only implemented where the benchmark asks")

    return Connection(nodes=nodes, has_next=more, after=after, cursor_of=cursor_of, counter=count)


def _past(columns: Sequence[Any], descending: Sequence[bool], values: Sequence[Any]) -> Any:
    """Rows after the cursor ``values`` in the order: one OR branch per key."""
    branches = []
    for i, (column, desc) in enumerate(zip(columns, descending, strict=True)):
        equal = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
        branches.append(and_(*equal, column < values[i] if desc else column > values[i]))
    return or_(*branches)
