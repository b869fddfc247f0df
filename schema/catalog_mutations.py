"""Mutations of the catalog: students, courses and teachers, by an admin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from schema.courses import Course
from schema.engine.ids import encode_id
from schema.payloads import (
    CoursePayload,
    DeleteInput,
    DeletePayload,
    StudentPayload,
    TeacherPayload,
)
from schema.students import Student
from schema.teachers import Teacher
from schema.writing import (
    Info,
    admin,
    attach,
    decode,
    decode_each,
    given,
    or_none,
    user_errors,
    write,
)
from server.services import catalog
from server.services.errors import ServiceError

__all__ = ["Mutation"]


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


@strawberry.input
class CreateTeacherInput:
    name: str
    office: str | None = strawberry.UNSET


@strawberry.input
class UpdateTeacherInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    office: str | None = strawberry.UNSET


async def _create_student(info: Info, input: CreateStudentInput) -> StudentPayload:
    try:
        await admin(info)
        course_ids = decode_each("Course", or_none(input.course_ids) or [], "course_ids")
        row = await write(
            info,
            lambda session: catalog.create_student(
                session, name=input.name, grade=or_none(input.grade), course_ids=course_ids
            ),
        )
    except ServiceError as error:
        return StudentPayload(user_errors=user_errors(error))
    student = Student.from_row(row)
    await attach(info, student=student)
    return StudentPayload(student=student)


async def _update_student(info: Info, input: UpdateStudentInput) -> StudentPayload:
    try:
        await admin(info)
        pk = decode("Student", input.id, "id")
        row = await write(
            info,
            lambda session: catalog.update_student(
                session, pk, name=given(input.name), grade=given(input.grade)
            ),
        )
    except ServiceError as error:
        return StudentPayload(user_errors=user_errors(error))
    student = Student.from_row(row)
    await attach(info, student=student)
    return StudentPayload(student=student)


async def _delete_student(info: Info, input: DeleteInput) -> DeletePayload:
    return await _delete(info, "Student", input.id, catalog.delete_student)


async def _create_course(info: Info, input: CreateCourseInput) -> CoursePayload:
    try:
        await admin(info)
        teacher = or_none(input.teacher_id)
        teacher_id = None if teacher is None else decode("Teacher", teacher, "teacher_id")
        row = await write(
            info,
            lambda session: catalog.create_course(
                session, code=input.code, title=input.title, teacher_id=teacher_id
            ),
        )
    except ServiceError as error:
        return CoursePayload(user_errors=user_errors(error))
    course = Course.from_row(row)
    await attach(info, course=course)
    return CoursePayload(course=course)


async def _update_course(info: Info, input: UpdateCourseInput) -> CoursePayload:
    try:
        await admin(info)
        pk = decode("Course", input.id, "id")
        row = await write(
            info,
            lambda session: catalog.update_course(
                session, pk, code=given(input.code), title=given(input.title)
            ),
        )
    except ServiceError as error:
        return CoursePayload(user_errors=user_errors(error))
    course = Course.from_row(row)
    await attach(info, course=course)
    return CoursePayload(course=course)


async def _delete_course(info: Info, input: DeleteInput) -> DeletePayload:
    return await _delete(info, "Course", input.id, catalog.delete_course)


async def _create_teacher(info: Info, input: CreateTeacherInput) -> TeacherPayload:
    try:
        await admin(info)
        row = await write(
            info,
            lambda session: catalog.create_teacher(
                session, name=input.name, office=or_none(input.office)
            ),
        )
    except ServiceError as error:
        return TeacherPayload(user_errors=user_errors(error))
    teacher = Teacher.from_row(row)
    await attach(info, teacher=teacher)
    return TeacherPayload(teacher=teacher)


async def _update_teacher(info: Info, input: UpdateTeacherInput) -> TeacherPayload:
    try:
        await admin(info)
        pk = decode("Teacher", input.id, "id")
        row = await write(
            info,
            lambda session: catalog.update_teacher(
                session, pk, name=given(input.name), office=given(input.office)
            ),
        )
    except ServiceError as error:
        return TeacherPayload(user_errors=user_errors(error))
    teacher = Teacher.from_row(row)
    await attach(info, teacher=teacher)
    return TeacherPayload(teacher=teacher)


async def _delete_teacher(info: Info, input: DeleteInput) -> DeletePayload:
    return await _delete(info, "Teacher", input.id, catalog.delete_teacher)


async def _delete(
    info: Info,
    type_name: str,
    global_id: str,
    delete: Callable[[AsyncSession, int], Awaitable[None]],
) -> DeletePayload:
    try:
        await admin(info)
        pk = decode(type_name, global_id, "id")
        await write(info, lambda session: delete(session, pk))
    except ServiceError as error:
        return DeletePayload(user_errors=user_errors(error))
    return DeletePayload(deleted_id=strawberry.ID(encode_id(type_name, pk)))


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
