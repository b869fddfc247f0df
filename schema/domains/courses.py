"""Courses: many-to-many with students, many-to-one with a teacher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.common.payloads import DeleteInput, DeletePayload, UserError
from schema.common.writing import (
    Info,
    admin,
    decode,
    decode_optional,
    delete_node,
    given,
    node_payload,
    write,
)
from schema.engine import (
    UNSET,
    Connection,
    IntFilter,
    Node,
    StringFilter,
    connection,
    order_input,
    to_one,
)
from server.db import models
from server.services import catalog

if TYPE_CHECKING:
    from schema.domains.students import Student, StudentFilter, StudentListFilter, StudentOrder
    from schema.domains.teachers import Teacher, TeacherFilter

__all__ = [
    "Course",
    "CourseFilter",
    "CourseListFilter",
    "CourseOrder",
    "CoursePayload",
    "Mutation",
    "Query",
]

CourseOrder = order_input(
    "Course",
    "ID",
    "CODE",
    "TITLE",
    STUDENT_COUNT="How many students are registered.",
    TEACHER_NAME="The teacher's name; courses without a teacher count as null.",
)


@strawberry.input
class CourseFilter:
    code: StringFilter | None = UNSET
    title: StringFilter | None = UNSET
    teacher: Annotated[TeacherFilter, strawberry.lazy("schema.domains.teachers")] | None = UNSET
    has_teacher: bool | None = strawberry.field(
        default=UNSET, description="Courses with a teacher (true) or without one (false)."
    )
    students: Annotated[StudentListFilter, strawberry.lazy("schema.domains.students")] | None = (
        UNSET
    )
    and_: list[CourseFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[CourseFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: CourseFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.input(description="Matches a student when the student's courses satisfy it.")
class CourseListFilter:
    some: CourseFilter | None = strawberry.field(
        default=UNSET, description="At least one course matches."
    )
    none: CourseFilter | None = strawberry.field(default=UNSET, description="No course matches.")
    count: IntFilter | None = strawberry.field(
        default=UNSET,
        description="How many courses there are (all of them, whatever some/none say).",
    )


@strawberry.type
class Course(Node, model=models.Course):
    code: str
    title: str
    teacher_id: strawberry.Private[int | None]

    teacher: Annotated[Teacher, strawberry.lazy("schema.domains.teachers")] | None = to_one(
        models.Course.teacher,
        description="The teacher who teaches this course (many-to-one), if any.",
    )
    students: Connection[Annotated[Student, strawberry.lazy("schema.domains.students")]] = (
        connection(
            models.Course.students,
            order=Annotated["StudentOrder", strawberry.lazy("schema.domains.students")],
            filter=Annotated["StudentFilter", strawberry.lazy("schema.domains.students")],
            description="Students registered for this course (many-to-many through registrations).",
        )
    )


@strawberry.type
class Query:
    courses: Connection[Course] = connection(models.Course, order=CourseOrder, filter=CourseFilter)


@strawberry.input
class CreateCourseInput:
    code: str
    title: str
    teacher_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class UpdateCourseInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET


@strawberry.type
class CoursePayload:
    course: Course | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _create_course(info: Info, input: CreateCourseInput) -> CoursePayload:
    async def change() -> Any:
        await admin(info)
        teacher_id = decode_optional("Teacher", input.teacher_id, "teacher_id")
        return await write(
            info,
            lambda session: catalog.create_course(
                session, code=input.code, title=input.title, teacher_id=teacher_id
            ),
        )

    return await node_payload(info, CoursePayload, Course, change())


async def _update_course(info: Info, input: UpdateCourseInput) -> CoursePayload:
    async def change() -> Any:
        await admin(info)
        pk = decode("Course", input.id, "id")
        return await write(
            info,
            lambda session: catalog.update_course(
                session, pk, code=given(input.code), title=given(input.title)
            ),
        )

    return await node_payload(info, CoursePayload, Course, change())


async def _delete_course(info: Info, input: DeleteInput) -> DeletePayload:
    return await delete_node(
        info, "Course", input.id, lambda s, _, pk: catalog.delete_course(s, pk), who=admin
    )


@strawberry.type
class Mutation:
    create_course = strawberry.mutation(
        resolver=_create_course, description="Create a course, with a teacher or none (admin)."
    )
    update_course = strawberry.mutation(
        resolver=_update_course,
        description="Change a course; fields left out stay as they are (admin).",
    )
    delete_course = strawberry.mutation(
        resolver=_delete_course, description="Delete a course with its registrations (admin)."
    )
