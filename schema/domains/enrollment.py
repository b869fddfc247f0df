"""Mutations of the links: registrations, a course's teacher, a student's user."""

from __future__ import annotations

from typing import Any, Protocol

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from schema.common.payloads import UserError
from schema.common.writing import (
    Info,
    admin,
    decode,
    decode_each,
    decode_optional,
    link_payload,
    node_payload,
    signed_in,
    write,
)
from schema.domains.courses import Course, CoursePayload
from schema.domains.students import Student, StudentPayload
from server.services import enrollment
from server.services.permissions import Actor

__all__ = ["Mutation"]


@strawberry.input
class EnrollmentInput:
    student_id: strawberry.ID
    course_id: strawberry.ID


@strawberry.type(
    description=(
        "Result of adding or removing one student<->course link. Repeating it is harmless."
        " On error both objects are null."
    )
)
class EnrollmentPayload:
    student: Student | None = None
    course: Course | None = None
    changed: bool = strawberry.field(
        default=False, description="False when the link was already in the requested state."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetStudentCoursesInput:
    student_id: strawberry.ID
    course_ids: list[strawberry.ID] = strawberry.field(
        description="The complete new set of courses; links not listed are removed."
    )


@strawberry.input
class AssignTeacherInput:
    course_id: strawberry.ID
    teacher_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new teacher, or null to leave the course without one.",
    )


@strawberry.input
class LinkStudentUserInput:
    student_id: strawberry.ID
    user_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The user to link, or null to unlink."
    )


class _LinkChange(Protocol):
    async def __call__(
        self, session: AsyncSession, actor: Actor, *, student_id: int, course_id: int
    ) -> enrollment.Link: ...


async def _change_link(
    info: Info, input: EnrollmentInput, change: _LinkChange
) -> EnrollmentPayload:
    """Enroll or withdraw: a signed-in user for its own student, an admin for anyone's."""

    async def link() -> Any:
        actor = await signed_in(info)
        student_id = decode("Student", input.student_id, "student_id")
        course_id = decode("Course", input.course_id, "course_id")
        return await write(
            info,
            lambda session: change(session, actor, student_id=student_id, course_id=course_id),
        )

    return await link_payload(info, EnrollmentPayload, link(), student=Student, course=Course)


async def _enroll_student(info: Info, input: EnrollmentInput) -> EnrollmentPayload:
    return await _change_link(info, input, enrollment.enroll)


async def _withdraw_student(info: Info, input: EnrollmentInput) -> EnrollmentPayload:
    return await _change_link(info, input, enrollment.withdraw)


async def _set_student_courses(info: Info, input: SetStudentCoursesInput) -> StudentPayload:
    async def change() -> Any:
        await admin(info)
        student_id = decode("Student", input.student_id, "student_id")
        course_ids = decode_each("Course", input.course_ids, "course_ids")
        return await write(
            info,
            lambda session: enrollment.set_courses(
                session, student_id=student_id, course_ids=course_ids
            ),
        )

    return await node_payload(info, StudentPayload, Student, change())


async def _assign_teacher(info: Info, input: AssignTeacherInput) -> CoursePayload:
    async def change() -> Any:
        await admin(info)
        course_id = decode("Course", input.course_id, "course_id")
        teacher_id = decode_optional("Teacher", input.teacher_id, "teacher_id")
        return await write(
            info,
            lambda session: enrollment.assign_teacher(
                session, course_id=course_id, teacher_id=teacher_id
            ),
        )

    return await node_payload(info, CoursePayload, Course, change())


async def _link_student_user(info: Info, input: LinkStudentUserInput) -> StudentPayload:
    async def change() -> Any:
        await admin(info)
        student_id = decode("Student", input.student_id, "student_id")
        user_id = decode_optional("User", input.user_id, "user_id")
        return await write(
            info,
            lambda session: enrollment.link_user(session, student_id=student_id, user_id=user_id),
        )

    return await node_payload(info, StudentPayload, Student, change())


@strawberry.type
class Mutation:
    enroll_student = strawberry.mutation(
        resolver=_enroll_student,
        description="Append the course to the student's courses (idempotent).",
    )
    withdraw_student = strawberry.mutation(
        resolver=_withdraw_student,
        description="Remove the course from the student's courses (idempotent).",
    )
    set_student_courses = strawberry.mutation(
        resolver=_set_student_courses, description="Replace the student's whole course collection."
    )
    assign_teacher = strawberry.mutation(
        resolver=_assign_teacher,
        description="Set or clear a course's teacher (the many-to-one side).",
    )
    link_student_user = strawberry.mutation(
        resolver=_link_student_user,
        description="Link or unlink a student and a user account (one-to-one).",
    )
