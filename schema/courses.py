"""Courses: many-to-many with students, many-to-one with a teacher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.engine import UNSET, Connection, Node, StringFilter, connection, ordering, to_one
from server import models

if TYPE_CHECKING:
    from schema.students import Student, StudentFilter, StudentListFilter, StudentOrder
    from schema.teachers import Teacher, TeacherFilter

__all__ = ["Course", "CourseFilter", "CourseListFilter", "CourseOrder", "Query"]

CourseOrder = ordering("Course", "ID", "CODE", "TITLE")


@strawberry.input
class CourseFilter:
    code: StringFilter | None = UNSET
    title: StringFilter | None = UNSET
    teacher: Annotated[TeacherFilter, strawberry.lazy("schema.teachers")] | None = UNSET
    has_teacher: bool | None = strawberry.field(
        default=UNSET, description="Courses with a teacher (true) or without one (false)."
    )
    students: Annotated[StudentListFilter, strawberry.lazy("schema.students")] | None = UNSET
    and_: list[CourseFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[CourseFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: CourseFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.input(description="Matches a student when the student's courses satisfy it.")
class CourseListFilter:
    some: CourseFilter | None = strawberry.field(
        default=UNSET, description="At least one course matches."
    )
    none: CourseFilter | None = strawberry.field(default=UNSET, description="No course matches.")


@strawberry.type
class Course(Node, model=models.Course):
    code: str
    title: str
    teacher_id: strawberry.Private[int | None]

    teacher: Annotated[Teacher, strawberry.lazy("schema.teachers")] | None = to_one(
        models.Course.teacher,
        description="The teacher who teaches this course (many-to-one), if any.",
    )
    students: Connection[Annotated[Student, strawberry.lazy("schema.students")]] = connection(
        models.Course.students,
        order=Annotated["StudentOrder", strawberry.lazy("schema.students")],
        filter=Annotated["StudentFilter", strawberry.lazy("schema.students")],
        description="Students registered for this course (many-to-many through registrations).",
    )


@strawberry.type
class Query:
    courses: Connection[Course] = connection(models.Course, order=CourseOrder, filter=CourseFilter)
