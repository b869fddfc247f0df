"""The catalog: creating, changing and deleting students, courses and teachers.

Deletes rely on the database for what goes with a row (SPEC §2): a student's
or course's registrations are deleted (``ON DELETE CASCADE``), a teacher's
courses are left without a teacher (``ON DELETE SET NULL``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Course, Student, Teacher, registrations
from server.live import outbox as events
from server.services.checks import KEEP, Checks, Keep
from server.services.errors import conflict
from server.services.rows import fetch, fetch_courses, fetch_for_delete, flush_unique

__all__ = [
    "create_course",
    "create_student",
    "create_teacher",
    "delete_course",
    "delete_student",
    "delete_teacher",
    "update_course",
    "update_student",
    "update_teacher",
]

NAME_MAX = 100
GRADE_MAX = 20
OFFICE_MAX = 20
CODE_MAX = 20
TITLE_MAX = 200


async def create_student(
    session: AsyncSession, *, name: str, grade: str | None, course_ids: Sequence[int] = ()
) -> Student:
    """A new student, registered for the courses named (each once)."""
    checks = Checks()
    checks.text(name, "name", maximum=NAME_MAX)
    checks.optional_text(grade, "grade", maximum=GRADE_MAX)
    checks.done()
    courses = await fetch_courses(session, course_ids, "course_ids")
    student = Student(name=name, grade=grade, courses=courses)
    session.add(student)
    await session.flush()
    await events.links_changed(session, events.ADDED, [(student.id, c.id) for c in courses])
    return student


async def update_student(
    session: AsyncSession,
    student_id: int,
    *,
    name: str | Keep | None = KEEP,
    grade: str | Keep | None = KEEP,
) -> Student:
    student = await fetch(session, Student, student_id, ("id",), lock=True)
    checks = Checks()
    if name is not KEEP:
        student.name = checks.text(name, "name", maximum=NAME_MAX)
    if grade is not KEEP:
        student.grade = checks.optional_text(grade, "grade", maximum=GRADE_MAX)
    checks.done()
    await session.flush()
    return student


async def delete_student(session: AsyncSession, student_id: int) -> None:
    """Delete the student; one REMOVED event for each registration it had."""
    await _delete_registered(session, Student, student_id, registrations.c.student_id)


async def create_course(
    session: AsyncSession, *, code: str, title: str, teacher_id: int | None = None
) -> Course:
    checks = Checks()
    checks.text(code, "code", maximum=CODE_MAX)
    checks.text(title, "title", maximum=TITLE_MAX)
    checks.done()
    teacher = None
    if teacher_id is not None:
        teacher = await fetch(session, Teacher, teacher_id, ("teacher_id",), referenced=True)
    await _code_free(session, code, None)
    course = Course(code=code, title=title, teacher=teacher)
    session.add(course)
    await flush_unique(session, "courses", "code", _code_taken(code), ("code",))
    return course


async def update_course(
    session: AsyncSession,
    course_id: int,
    *,
    code: str | Keep | None = KEEP,
    title: str | Keep | None = KEEP,
) -> Course:
    course = await fetch(session, Course, course_id, ("id",), lock=True)
    checks = Checks()
    if code is not KEEP:
        course.code = checks.text(code, "code", maximum=CODE_MAX)
    if title is not KEEP:
        course.title = checks.text(title, "title", maximum=TITLE_MAX)
    checks.done()
    if code is not KEEP:
        await _code_free(session, course.code, course.id)
    await flush_unique(session, "courses", "code", _code_taken(course.code), ("code",))
    return course


async def delete_course(session: AsyncSession, course_id: int) -> None:
    """Delete the course; one REMOVED event for each registration it had."""
    await _delete_registered(session, Course, course_id, registrations.c.course_id)


async def create_teacher(session: AsyncSession, *, name: str, office: str | None) -> Teacher:
    checks = Checks()
    checks.text(name, "name", maximum=NAME_MAX)
    checks.optional_text(office, "office", maximum=OFFICE_MAX)
    checks.done()
    teacher = Teacher(name=name, office=office)
    session.add(teacher)
    await session.flush()
    return teacher


async def update_teacher(
    session: AsyncSession,
    teacher_id: int,
    *,
    name: str | Keep | None = KEEP,
    office: str | Keep | None = KEEP,
) -> Teacher:
    teacher = await fetch(session, Teacher, teacher_id, ("id",), lock=True)
    checks = Checks()
    if name is not KEEP:
        teacher.name = checks.text(name, "name", maximum=NAME_MAX)
    if office is not KEEP:
        teacher.office = checks.optional_text(office, "office", maximum=OFFICE_MAX)
    checks.done()
    await session.flush()
    return teacher


async def delete_teacher(session: AsyncSession, teacher_id: int) -> None:
    await session.delete(await fetch(session, Teacher, teacher_id, ("id",)))
    await session.flush()


async def _delete_registered(
    session: AsyncSession, model: type[Student | Course], pk: int, key: Column[int]
) -> None:
    """Delete the row whose registrations hold ``pk`` in ``key``; the registrations go too.

    The registrations' (student, course) pairs are read first, for their events.
    """
    row = await fetch_for_delete(session, model, pk, ("id",))
    link = registrations.c
    pairs = await session.execute(
        select(link.student_id, link.course_id)
        .where(key == pk)
        .order_by(link.student_id, link.course_id)
    )
    removed = [(student_id, course_id) for student_id, course_id in pairs]
    await session.delete(row)
    await session.flush()
    await events.links_changed(session, events.REMOVED, removed)


async def _code_free(session: AsyncSession, code: str, course_id: int | None) -> None:
    """Course codes are unique: CONFLICT when another course has ``code``."""
    # no_autoflush: the course being changed must not be written before the check.
    with session.no_autoflush:
        holder = await session.scalar(select(Course.id).where(Course.code == code))
    if holder is not None and holder != course_id:
        raise conflict(_code_taken(code), ("code",))


def _code_taken(code: str) -> str:
    return f"Another course already has the code {code!r}."
