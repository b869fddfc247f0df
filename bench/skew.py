"""The skewed rows ``--skewed`` adds to the seeded data: a celebrity and a crowded course.

A user followed by 20,000 others (every seeded user, the newest followers,
and fans made for it) and a course of 5,000 students (the seeded students
with the highest ids but the write mix's). Q2 on the celebrity and Q1 from
the first of the course's students then read lists far longer than the
ordinary ones: with a per-parent LIMIT over an index they cost what the
ordinary ones cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text

from bench.database import BIG_COURSE, CELEBRITY, connect
from server.db.models import Course, Follow, Student, User, registrations

__all__ = ["BIG_COURSE", "CELEBRITY", "Skew", "add_skew"]

FOLLOWERS, STUDENTS = 20_000, 5_000
# The highest student ids are the write mix's (see ``find_targets``).
KEEP_CLEAR = 20
START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Skew:
    celebrity: int
    # Q1 from here (exclusive) lists the course's students first.
    before_big_course: int


async def add_skew(url: str) -> Skew:
    async with connect(url) as connection, connection.begin():
        users = int(await connection.scalar(select(func.max(User.id))) or 0)
        students = int(await connection.scalar(select(func.max(Student.id))) or 0)
        courses = int(await connection.scalar(select(func.max(Course.id))) or 0)
        celebrity, fans = users + 1, max(0, FOLLOWERS - users)
        await connection.execute(
            insert(User),
            [
                {
                    "id": celebrity + i,
                    "username": CELEBRITY if i == 0 else f"fan{i:05}",
                    "display_name": "Celebrity" if i == 0 else f"Fan {i}",
                    "password_hash": "!",  # no password signs in with this
                    "created_at": START,
                }
                for i in range(fans + 1)
            ],
        )
        # The fans followed first; the seeded users, with their articles, since.
        followers = [*range(celebrity + 1, celebrity + fans + 1), *range(1, users + 1)]
        await connection.execute(
            insert(Follow),
            [
                {
                    "follower_id": follower,
                    "followed_id": celebrity,
                    "created_at": START + dt.timedelta(minutes=i),
                }
                for i, follower in enumerate(followers)
            ],
        )
        big = courses + 1
        await connection.execute(
            insert(Course), [{"id": big, "code": BIG_COURSE, "title": "The crowded course"}]
        )
        last = students - KEEP_CLEAR
        first = max(1, last - STUDENTS + 1)
        await connection.execute(
            insert(registrations),
            [{"student_id": s, "course_id": big} for s in range(first, last + 1)],
        )
        await connection.execute(text("ANALYZE"))  # as `campus seed` does after its load
    return Skew(celebrity, first - 1)
