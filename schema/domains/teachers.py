"""Teachers: one-to-many with the courses they teach."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.common.payloads import DeleteInput, DeletePayload, UserError
from schema.common.writing import (
    Info,
    admin,
    decode,
    delete_node,
    given,
    node_payload,
    or_none,
    write,
)
from schema.engine import UNSET, Connection, Node, StringFilter, connection, order_input
from server.db import models
from server.services import catalog

if TYPE_CHECKING:
    from schema.domains.courses import Course, CourseFilter, CourseListFilter, CourseOrder

__all__ = ["Mutation", "Query", "Teacher", "TeacherFilter", "TeacherOrder", "TeacherPayload"]

TeacherOrder = order_input(
    "Teacher", "ID", "NAME", COURSE_COUNT="How many courses the teacher teaches."
)


@strawberry.input
class TeacherFilter:
    name: StringFilter | None = UNSET
    office: StringFilter | None = UNSET
    courses: Annotated[CourseListFilter, strawberry.lazy("schema.domains.courses")] | None = UNSET
    and_: list[TeacherFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[TeacherFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: TeacherFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.type
class Teacher(Node, model=models.Teacher):
    name: str
    office: str | None

    courses: Connection[Annotated[Course, strawberry.lazy("schema.domains.courses")]] = connection(
        models.Teacher.courses,
        order=Annotated["CourseOrder", strawberry.lazy("schema.domains.courses")],
        filter=Annotated["CourseFilter", strawberry.lazy("schema.domains.courses")],
        description="Courses taught by this teacher (one-to-many).",
    )


@strawberry.type
class Query:
    teachers: Connection[Teacher] = connection(
        models.Teacher, order=TeacherOrder, filter=TeacherFilter
    )


@strawberry.input
class CreateTeacherInput:
    name: str
    office: str | None = strawberry.UNSET


@strawberry.input
class UpdateTeacherInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    office: str | None = strawberry.UNSET


@strawberry.type
class TeacherPayload:
    teacher: Teacher | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _create_teacher(info: Info, input: CreateTeacherInput) -> TeacherPayload:
    async def change() -> Any:
        await admin(info)
        return await write(
            info,
            lambda session: catalog.create_teacher(
                session, name=input.name, office=or_none(input.office)
            ),
        )

    return await node_payload(info, TeacherPayload, Teacher, change())


async def _update_teacher(info: Info, input: UpdateTeacherInput) -> TeacherPayload:
    async def change() -> Any:
        await admin(info)
        pk = decode("Teacher", input.id, "id")
        return await write(
            info,
            lambda session: catalog.update_teacher(
                session, pk, name=given(input.name), office=given(input.office)
            ),
        )

    return await node_payload(info, TeacherPayload, Teacher, change())


async def _delete_teacher(info: Info, input: DeleteInput) -> DeletePayload:
    return await delete_node(
        info, "Teacher", input.id, lambda s, _, pk: catalog.delete_teacher(s, pk), who=admin
    )


@strawberry.type
class Mutation:
    create_teacher = strawberry.mutation(
        resolver=_create_teacher, description="Create a teacher (admin)."
    )
    update_teacher = strawberry.mutation(
        resolver=_update_teacher,
        description="Change a teacher; fields left out stay as they are (admin).",
    )
    delete_teacher = strawberry.mutation(
        resolver=_delete_teacher,
        description="Delete a teacher; its courses are left without one (admin).",
    )
