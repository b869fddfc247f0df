"""Courses: many-to-many with students, many-to-one with a teacher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.context import Context
from schema.engine.filters import CourseFilter
from schema.engine.ids import encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.ordering import CourseOrder
from schema.engine.pagination import Connection
from schema.engine.relations import ROOT_LISTS
from schema.lists import student_list

if TYPE_CHECKING:
    from schema.teachers import Teacher

__all__ = ["Course", "Query"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Course(Node):
    code: str
    title: str
    teacher_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> Course:
        return cls(
            id=strawberry.ID(encode_id("Course", row.id)),
            pk=row.id,
            code=row.code,
            title=row.title,
            teacher_id=row.teacher_id,
        )

    @strawberry.field(description="The teacher who teaches this course (many-to-one), if any.")
    def teacher(self, info: Info) -> Annotated[Teacher, strawberry.lazy("schema.teachers")] | None:
        return self.related(info)  # type: ignore[no-any-return]

    students = strawberry.field(
        resolver=student_list,
        description="Students registered for this course (many-to-many through registrations).",
    )


@strawberry.type
class Query:
    @strawberry.field
    async def courses(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CourseFilter | None = None,
        order_by: list[CourseOrder] | None = None,
    ) -> Connection[Course]:
        return await Loader(info).root_list(ROOT_LISTS["Course"])  # type: ignore[return-value]
