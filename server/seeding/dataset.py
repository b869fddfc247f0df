"""A deterministic, generated campus data set: rows to insert, table by table.

Each table draws from its own random stream, seeded from the seed and the
table's name, so a table's rows depend only on the seed and the sizes it
refers to. Ids are assigned here (1..n) so that rows can reference each other
without asking the database; timestamps are UTC with microseconds, spread
over the year before ``EPOCH`` — a fixed instant, not the clock, so that the
same seed gives the same rows on every run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["EPOCH", "NO_PASSWORD", "Row", "Sizes", "tables"]

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NO_PASSWORD = "!"
"""The password hash of generated users: it is no hash at all, so no password matches.

Hashing a real password for thousands of users would take minutes; generated
users are for reading and benchmarks, not for logging in.
"""

Row = dict[str, Any]

_YEAR = 365 * 24 * 3600 * 1_000_000  # microseconds
_START = EPOCH - dt.timedelta(microseconds=_YEAR)

_FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ángel", "Aoife", "Björn", "Chen", "Chloé", "Dmitri", "Élodie",
    "Emma", "Fatima", "François", "Grace", "Hiro", "Ingrid", "Jamal", "José", "Jürgen", "Kwame",
    "Léa", "Liam", "Łukasz", "Maya", "Mei", "Noah", "Noémie", "Olivia", "Priya", "Rafael",
    "Renée", "Sam", "Siobhán", "Sofia", "Søren", "Tariq", "Yusuf", "Zoë",
)  # fmt: skip
_LAST_NAMES = (
    "Adeyemi", "Álvarez", "Brown", "Chen", "Dubois", "Dvořák", "Eriksson", "García", "Hughes",
    "Ivanova", "Jensen", "Kim", "Kowalski", "Lefèvre", "Lovelace", "Martin", "Müller", "Nakamura",
    "Núñez", "O'Brien", "Okafor", "Patel", "Rossi", "Schmidt", "Singh", "Smith", "Tanaka",
    "Turing", "Wang", "Weiß", "Öztürk", "Zhang",
)  # fmt: skip
_GRADES = ("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D", "F")
_SUBJECTS = {
    "CS": ("Algorithms", "Databases", "Compilers", "Operating Systems", "Networks"),
    "MA": ("Calculus", "Linear Algebra", "Probability", "Number Theory", "Topology"),
    "PH": ("Mechanics", "Electromagnetism", "Quantum Physics", "Thermodynamics", "Optics"),
    "CH": ("Organic Chemistry", "Biochemistry", "Physical Chemistry", "Spectroscopy"),
    "BI": ("Genetics", "Ecology", "Cell Biology", "Evolution", "Neuroscience"),
    "HI": ("Ancient History", "Medieval Europe", "Modern History", "Economic History"),
    "LI": ("Poetry", "The Novel", "Drama", "Literary Theory", "Translation"),
}
_LEVELS = ("Introduction to", "Foundations of", "Topics in", "Advanced", "Applied", "Seminar:")
_WORDS = (
    "graph", "query", "index", "campus", "lecture", "theory", "proof", "model", "data",
    "network", "system", "student", "course", "library", "exam", "thesis", "research",
    "method", "result", "review", "notes", "schedule", "project", "design", "history",
)  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind to generate."""

    students: int = 10_000
    courses: int = 500
    teachers: int = 100
    registrations: int = 50_000
    users: int = 5_000
    follows: int = 50_000
    articles: int = 20_000

    def problems(self) -> list[str]:
        """What makes these sizes impossible to honour, if anything."""
        problems = [f"{name} may not be negative" for name, n in vars(self).items() if n < 0]
        if self.registrations > (pairs := max(self.students, 0) * max(self.courses, 0)):
            problems.append(f"registrations may not exceed students * courses ({pairs:,})")
        if self.follows > (pairs := max(self.users, 0) * max(self.users - 1, 0)):
            problems.append(f"follows may not exceed users * (users - 1) ({pairs:,})")
        if self.articles > 0 and self.users <= 0:
            problems.append("articles need at least one user to write them")
        return problems


def tables(sizes: Sizes, seed: int) -> list[tuple[str, int, Iterator[Row]]]:
    """(table name, row count, rows) for every table, parents before children."""
    joined = _user_times(sizes, seed)
    return [
        ("users", sizes.users, _users(sizes, seed, joined)),
        ("teachers", sizes.teachers, _teachers(sizes, seed)),
        ("courses", sizes.courses, _courses(sizes, seed)),
        ("students", sizes.students, _students(sizes, seed)),
        ("registrations", sizes.registrations, _registrations(sizes, seed)),
        ("follows", sizes.follows, _follows(sizes, seed, joined)),
        ("articles", sizes.articles, _articles(sizes, seed, joined)),
    ]


def _rng(seed: int, stream: str) -> random.Random:
    # A string seed is hashed with SHA-512: stable across runs and Python versions.
    return random.Random(f"campus:{seed}:{stream}")


def _at(offset: int) -> dt.datetime:
    return _START + dt.timedelta(microseconds=offset)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


def _user_times(sizes: Sizes, seed: int) -> list[int]:
    rng = _rng(seed, "users.created_at")
    return [rng.randrange(_YEAR) for _ in range(sizes.users)]


def _users(sizes: Sizes, seed: int, joined: list[int]) -> Iterator[Row]:
    rng = _rng(seed, "users")
    for user_id in range(1, sizes.users + 1):
        yield {
            "id": user_id,
            "username": f"user_{user_id:05d}",
            "display_name": _name(rng),
            "password_hash": NO_PASSWORD,
            "is_admin": False,
            "token_version": 0,
            "created_at": _at(joined[user_id - 1]),
        }


def _teachers(sizes: Sizes, seed: int) -> Iterator[Row]:
    rng = _rng(seed, "teachers")
    for teacher_id in range(1, sizes.teachers + 1):
        office = None if rng.random() < 0.2 else f"{rng.choice('ABCDEFG')}{rng.randint(100, 499)}"
        yield {"id": teacher_id, "name": f"Dr. {_name(rng)}", "office": office}


def _courses(sizes: Sizes, seed: int) -> Iterator[Row]:
    rng = _rng(seed, "courses")
    departments = sorted(_SUBJECTS)
    for course_id in range(1, sizes.courses + 1):
        department = rng.choice(departments)
        has_teacher = sizes.teachers > 0 and rng.random() >= 0.1
        yield {
            "id": course_id,
            # The number alone is unique, so the code is whatever the department.
            "code": f"{department}{1000 + course_id}",
            "title": f"{rng.choice(_LEVELS)} {rng.choice(_SUBJECTS[department])}",
            "teacher_id": rng.randint(1, sizes.teachers) if has_teacher else None,
        }


def _students(sizes: Sizes, seed: int) -> Iterator[Row]:
    rng = _rng(seed, "students")
    linked = min(sizes.students // 3, sizes.users)
    profiles = dict(
        zip(
            rng.sample(range(1, sizes.students + 1), linked),
            rng.sample(range(1, sizes.users + 1), linked),
            strict=True,
        )
    )
    for student_id in range(1, sizes.students + 1):
        yield {
            "id": student_id,
            "name": _name(rng),
            "grade": None if rng.random() < 0.15 else rng.choice(_GRADES),
            "user_id": profiles.get(student_id),
        }


def _registrations(sizes: Sizes, seed: int) -> Iterator[Row]:
    rng = _rng(seed, "registrations")
    # Distinct numbers stand for distinct (student, course) pairs.
    for pair in sorted(rng.sample(range(sizes.students * sizes.courses), sizes.registrations)):
        student, course = divmod(pair, sizes.courses)
        yield {"student_id": student + 1, "course_id": course + 1}


def _follows(sizes: Sizes, seed: int, joined: list[int]) -> Iterator[Row]:
    rng = _rng(seed, "follows")
    others = sizes.users - 1
    # Distinct numbers stand for distinct ordered pairs of different users.
    for pair in sorted(rng.sample(range(sizes.users * max(others, 0)), sizes.follows)):
        follower, rest = divmod(pair, others)
        followed = rest if rest < follower else rest + 1
        since = max(joined[follower], joined[followed])
        yield {
            "follower_id": follower + 1,
            "followed_id": followed + 1,
            "created_at": _at(rng.randrange(since, _YEAR)),
        }


def _articles(sizes: Sizes, seed: int, joined: list[int]) -> Iterator[Row]:
    rng = _rng(seed, "articles")
    for article_id in range(1, sizes.articles + 1):
        author = rng.randrange(sizes.users)
        words = rng.sample(_WORDS, rng.randint(2, 6))
        body = " ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))
        yield {
            "id": article_id,
            "title": " ".join(words).capitalize(),
            "body": body,
            "created_at": _at(rng.randrange(joined[author], _YEAR)),
            "author_id": author + 1,
        }


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(_WORDS, k=rng.randint(5, 14))).capitalize() + "."
