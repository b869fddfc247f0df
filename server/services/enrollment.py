"""Links between the catalog's rows: registrations, teachers, and a student's user.

Each change first takes the write lock of the parent it changes (the student,
or the course), then reads the link's current state and changes it through
the ORM relationship. Two writers of the same parent therefore run one after
the other, and the second sees what the first did: a repeated enrollment is
``changed=False``, never a duplicate row nor an error (SPEC §2, §4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, selectinload

from server.db.models import Course, Student, Teacher, User
from server.live import outbox as events
from server.services.errors import conflict
from server.services.permissions import Actor, require_owner
from server.services.rows import fetch, fetch_courses, flush_unique

__all__ = ["Link", "assign_teacher", "enroll", "link_user", "set_courses", "withdraw"]

_USER_TAKEN = "This user is already linked to another student."


@dataclass(frozen=True)
class Link:
    """A student and a course, and whether the link between them changed."""

    student: Student
    course: Course
    changed: bool


async def enroll(session: AsyncSession, actor: Actor, *, student_id: int, course_id: int) -> Link:
    """Register the student for the course; a no-op when it already is."""
    student = await _student_with_courses(session, actor, student_id)
    course = await fetch(session, Course, course_id, ("course_id",), referenced=True)
    if course in student.courses:
        return Link(student, course, changed=False)
    student.courses.append(course)
    await session.flush()
    await events.links_changed(session, events.ADDED, [(student.id, course.id)])
    return Link(student, course, changed=True)


async def withdraw(session: AsyncSession, actor: Actor, *, student_id: int, course_id: int) -> Link:
    """Remove the student's registration for the course; a no-op when there is none."""
    student = await _student_with_courses(session, actor, student_id)
    course = await fetch(session, Course, course_id, ("course_id",), referenced=True)
    if course not in student.courses:
        return Link(student, course, changed=False)
    student.courses.remove(course)
    await session.flush()
    await events.links_changed(session, events.REMOVED, [(student.id, course.id)])
    return Link(student, course, changed=True)


async def set_courses(
    session: AsyncSession, *, student_id: int, course_ids: Sequence[int]
) -> Student:
    """Replace the student's courses with those named; the ORM writes the difference."""
    student = await _locked_student(session, student_id, Student.courses)
    before = {course.id for course in student.courses}
    student.courses = await fetch_courses(session, course_ids, "course_ids")
    await session.flush()
    after = [course.id for course in student.courses]
    removed = sorted(before.difference(after))
    await events.links_changed(session, events.REMOVED, [(student.id, c) for c in removed])
    added = [c for c in after if c not in before]
    await events.links_changed(session, events.ADDED, [(student.id, c) for c in added])
    return student


async def assign_teacher(
    session: AsyncSession, *, course_id: int, teacher_id: int | None
) -> Course:
    """Set the course's teacher (the many-to-one side), or clear it with None.

    The teacher is read before the course is locked: deleting a teacher
    locks it, then its courses, and the other order could deadlock with that.
    """
    teacher = None
    if teacher_id is not None:
        teacher = await fetch(session, Teacher, teacher_id, ("teacher_id",), referenced=True)
    course = await fetch(session, Course, course_id, ("course_id",), lock=True)
    course.teacher = teacher
    await session.flush()
    return course


async def link_user(session: AsyncSession, *, student_id: int, user_id: int | None) -> Student:
    """Link the student to the user (one-to-one), or unlink it with None.

    A student may move from one user to another; a user that already has
    another student is a CONFLICT. Both rows are locked, student first, so
    two links to the same user cannot both succeed.
    """
    student = await _locked_student(session, student_id, Student.user)
    user = None
    if user_id is not None:
        user = await fetch(
            session, User, user_id, ("user_id",), lock=True, options=[selectinload(User.student)]
        )
        if user.student is not None and user.student is not student:
            raise conflict(_USER_TAKEN, ("user_id",))
    student.user = user
    await flush_unique(session, "students", "user_id", _USER_TAKEN, ("user_id",))
    return student


async def _student_with_courses(session: AsyncSession, actor: Actor, student_id: int) -> Student:
    """The student, locked, with its courses; only its own user or an admin may change it."""
    student = await _locked_student(session, student_id, Student.courses)
    require_owner(actor, student.user_id, "student profile")
    return student


async def _locked_student(
    session: AsyncSession, student_id: int, relationship: QueryableAttribute[Any]
) -> Student:
    """The student, its row locked first, then ``relationship`` read as it now stands."""
    return await fetch(
        session,
        Student,
        student_id,
        ("student_id",),
        lock=True,
        options=[selectinload(relationship)],
    )
