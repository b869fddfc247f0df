"""Students: many-to-many with courses through registrations, one-to-one with a user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.engine import UNSET, Connection, Node, StringFilter, connection, ordering, to_one
from server import models

if TYPE_CHECKING:
    from schema.courses import Course, CourseFilter, CourseListFilter, CourseOrder
    from schema.users import User

__all__ = ["Query", "Student", "StudentFilter", "StudentListFilter", "StudentOrder"]

StudentOrder = ordering("Student", "ID", "NAME", "GRADE")


@strawberry.input
class StudentFilter:
    name: StringFilter | None = UNSET
    grade: StringFilter | None = UNSET
    courses: Annotated[CourseListFilter, strawberry.lazy("schema.courses")] | None = UNSET
    and_: list[StudentFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[StudentFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: StudentFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.input(description="Matches a course when the course's students satisfy it.")
class StudentListFilter:
    some: StudentFilter | None = UNSET
    none: StudentFilter | None = UNSET


@strawberry.type
class Student(Node, model=models.Student):
    name: str
    grade: str | None
    user_id: strawberry.Private[int | None]

    user: Annotated[User, strawberry.lazy("schema.users")] | None = to_one(
        models.Student.user,
        description="The user account linked to this student (one-to-one), if any.",
    )
    courses: Connection[Annotated[Course, strawberry.lazy("schema.courses")]] = connection(
        models.Student.courses,
        order=Annotated["CourseOrder", strawberry.lazy("schema.courses")],
        filter=Annotated["CourseFilter", strawberry.lazy("schema.courses")],
        description="Courses this student is registered for (many-to-many through registrations).",
    )


@strawberry.type
class Query:
    students: Connection[Student] = connection(
        models.Student, order=StudentOrder, filter=StudentFilter
    )
