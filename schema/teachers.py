"""Teachers: one-to-many with the courses they teach."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.context import Context
from schema.engine.filters import TeacherFilter
from schema.engine.ids import encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.ordering import TeacherOrder
from schema.engine.pagination import Connection
from schema.engine.relations import ROOT_LISTS
from schema.lists import course_list

__all__ = ["Query", "Teacher"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Teacher(Node):
    name: str
    office: str | None

    @classmethod
    def from_row(cls, row: Any) -> Teacher:
        return cls(
            id=strawberry.ID(encode_id("Teacher", row.id)),
            pk=row.id,
            name=row.name,
            office=row.office,
        )

    courses = strawberry.field(
        resolver=course_list, description="Courses taught by this teacher (one-to-many)."
    )


@strawberry.type
class Query:
    @strawberry.field
    async def teachers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: TeacherFilter | None = None,
        order_by: list[TeacherOrder] | None = None,
    ) -> Connection[Teacher]:
        return await Loader(info).root_list(ROOT_LISTS["Teacher"])  # type: ignore[return-value]
