"""Students: many-to-many with courses through registrations, one-to-one with a user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.common.payloads import DeleteInput, DeletePayload, UserError
from schema.common.writing import (
    Info,
    admin,
    decode,
    decode_each,
    delete_node,
    given,
    node_payload,
    or_none,
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
    from schema.domains.courses import Course, CourseFilter, CourseListFilter, CourseOrder
    from schema.domains.users import User

__all__ = [
    "Mutation",
    "Query",
    "Student",
    "StudentFilter",
    "StudentListFilter",
    "StudentOrder",
    "StudentPayload",
]

StudentOrder = order_input(
    "Student", "ID", "NAME", "GRADE", COURSE_COUNT="How many courses the student is registered for."
)


@strawberry.input
class StudentFilter:
    name: StringFilter | None = UNSET
    grade: StringFilter | None = UNSET
    courses: Annotated[CourseListFilter, strawberry.lazy("schema.domains.courses")] | None = UNSET
    and_: list[StudentFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[StudentFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: StudentFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.input(description="Matches a course when the course's students satisfy it.")
class StudentListFilter:
    some: StudentFilter | None = UNSET
    none: StudentFilter | None = UNSET
    count: IntFilter | None = strawberry.field(
        default=UNSET,
        description="How many students there are (all of them, whatever some/none say).",
    )


@strawberry.type
class Student(Node, model=models.Student):
    name: str
    grade: str | None
    user_id: strawberry.Private[int | None]

    user: Annotated[User, strawberry.lazy("schema.domains.users")] | None = to_one(
        models.Student.user,
        description="The user account linked to this student (one-to-one), if any.",
    )
    courses: Connection[Annotated[Course, strawberry.lazy("schema.domains.courses")]] = connection(
        models.Student.courses,
        order=Annotated["CourseOrder", strawberry.lazy("schema.domains.courses")],
        filter=Annotated["CourseFilter", strawberry.lazy("schema.domains.courses")],
        description="Courses this student is registered for (many-to-many through registrations).",
    )


@strawberry.type
class Query:
    students: Connection[Student] = connection(
        models.Student, order=StudentOrder, filter=StudentFilter
    )


@strawberry.input
class CreateStudentInput:
    name: str
    grade: str | None = strawberry.UNSET
    course_ids: list[strawberry.ID] | None = strawberry.UNSET


@strawberry.input
class UpdateStudentInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    grade: str | None = strawberry.UNSET


@strawberry.type
class StudentPayload:
    student: Student | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _create_student(info: Info, input: CreateStudentInput) -> StudentPayload:
    async def change() -> Any:
        await admin(info)
        course_ids = decode_each("Course", or_none(input.course_ids) or [], "course_ids")
        return await write(
            info,
            lambda session: catalog.create_student(
                session, name=input.name, grade=or_none(input.grade), course_ids=course_ids
            ),
        )

    return await node_payload(info, StudentPayload, Student, change())


async def _update_student(info: Info, input: UpdateStudentInput) -> StudentPayload:
    async def change() -> Any:
        await admin(info)
        pk = decode("Student", input.id, "id")
        return await write(
            info,
            lambda session: catalog.update_student(
                session, pk, name=given(input.name), grade=given(input.grade)
            ),
        )

    return await node_payload(info, StudentPayload, Student, change())


async def _delete_student(info: Info, input: DeleteInput) -> DeletePayload:
    return await delete_node(
        info, "Student", input.id, lambda s, _, pk: catalog.delete_student(s, pk), who=admin
    )


@strawberry.type
class Mutation:
    create_student = strawberry.mutation(
        resolver=_create_student,
        description="Create a student, registered for the courses named (admin).",
    )
    update_student = strawberry.mutation(
        resolver=_update_student,
        description="Change a student; fields left out stay as they are (admin).",
    )
    delete_student = strawberry.mutation(
        resolver=_delete_student,
        description="Delete a student with its registrations (admin).",
    )
