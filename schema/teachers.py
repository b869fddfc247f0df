"""Teachers: one-to-many with the courses they teach."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.engine import UNSET, Connection, Node, StringFilter, connection, ordering
from server import models

if TYPE_CHECKING:
    from schema.courses import Course, CourseFilter, CourseOrder

__all__ = ["Query", "Teacher", "TeacherFilter", "TeacherOrder"]

TeacherOrder = ordering("Teacher", "ID", "NAME")


@strawberry.input
class TeacherFilter:
    name: StringFilter | None = UNSET
    office: StringFilter | None = UNSET
    and_: list[TeacherFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[TeacherFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: TeacherFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.type
class Teacher(Node, model=models.Teacher):
    name: str
    office: str | None

    courses: Connection[Annotated[Course, strawberry.lazy("schema.courses")]] = connection(
        models.Teacher.courses,
        order=Annotated["CourseOrder", strawberry.lazy("schema.courses")],
        filter=Annotated["CourseFilter", strawberry.lazy("schema.courses")],
        description="Courses taught by this teacher (one-to-many).",
    )


@strawberry.type
class Query:
    teachers: Connection[Teacher] = connection(
        models.Teacher, order=TeacherOrder, filter=TeacherFilter
    )
