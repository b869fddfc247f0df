"""The benchmark's databases: made, migrated and seeded with the ``campus`` command.

Also what the benchmark needs to know about the seeded data (which user, which
course, which rows the write mix may touch) and the snapshots that check the
write mix afterwards. The benchmark owns these databases: a SQLite file under
the output folder, and a PostgreSQL database of its own, dropped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bench.servers import BenchError
from server.seeding.dataset import Sizes

__all__ = [
    "Backend",
    "Targets",
    "connect",
    "drop_postgres",
    "find_targets",
    "link_snapshot",
    "postgres_problem",
    "prepare",
]

BENCH_DATABASE = "campus_bench"
# Named by ``bench.skew``, which adds them; kept out of the ordinary targets.
CELEBRITY = "celebrity"
BIG_COURSE = "BIG-5000"
CAMPUS = str(Path(sys.executable).with_name("campus"))


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    workers: int


@dataclass(frozen=True)
class Targets:
    """The rows the queries and the write mix are pointed at."""

    q2_user: int
    q4_code: str
    w_students: tuple[int, ...]
    w_courses: tuple[int, ...]


@asynccontextmanager
async def connect(url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


async def postgres_problem(admin_url: str) -> str | None:
    """Why PostgreSQL at ``admin_url`` cannot be used, or None when it can."""
    try:
        async with connect(admin_url) as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"PostgreSQL is not reachable at {_shown(admin_url)}: {error}"
    return None


def bench_postgres_url(admin_url: str) -> str:
    url = make_url(admin_url).set(database=BENCH_DATABASE)
    return url.render_as_string(hide_password=False)


async def _recreate_postgres(admin_url: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
            await connection.execute(text(f"CREATE DATABASE {BENCH_DATABASE}"))
    finally:
        await engine.dispose()


async def drop_postgres(admin_url: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"))
    finally:
        await engine.dispose()


async def prepare(
    backend: Backend, sizes: Sizes, seed: int, env: Mapping[str, str], admin_url: str
) -> None:
    """A fresh database at ``backend.url``, migrated and seeded as a user would."""
    if backend.name == "sqlite":
        _remove_sqlite(backend.url)
    else:
        await _recreate_postgres(admin_url)
    run_campus(["migrate"], backend, env)
    counts = [f"--{name}={count}" for name, count in vars(sizes).items()]
    run_campus(["seed", *counts, f"--seed={seed}", "--no-progress"], backend, env)


def _remove_sqlite(url: str) -> None:
    database = make_url(url).database
    assert database
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(database + suffix).unlink(missing_ok=True)
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def run_campus(
    args: list[str], backend: Backend, env: Mapping[str, str], *, timeout: float = 1200
) -> str:
    """Run the ``campus`` command on the backend's database; its output."""
    done = subprocess.run(
        [CAMPUS, *args],
        env={**os.environ, **env, "DATABASE_URL": backend.url},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"`campus {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


async def find_targets(url: str, sizes: Sizes) -> Targets:
    """The most-followed user (Q2), the most-registered course (Q4), the write mix's rows.

    The skewed rows (``bench.skew``) are none of these.

    The write mix uses the students with the highest ids and the courses with
    the fewest students, other than Q4's, so that it changes nothing the read
    queries show: Q6's courses are those with the most students (the mix adds
    20 at most to a course), and its students' first pages the lowest ids.
    """
    async with connect(url) as connection:
        q2_user = (
            await connection.execute(
                text(
                    "SELECT followed_id FROM follows"
                    " WHERE followed_id NOT IN (SELECT id FROM users WHERE username = :skewed)"
                    " GROUP BY followed_id ORDER BY count(*) DESC, followed_id LIMIT 1"
                ),
                {"skewed": CELEBRITY},
            )
        ).scalar_one()
        q4_course, q4_code = (
            await connection.execute(
                text(
                    "SELECT c.id, c.code FROM courses c JOIN registrations r ON r.course_id = c.id"
                    " WHERE c.code <> :skewed"
                    " GROUP BY c.id, c.code ORDER BY count(*) DESC, c.id LIMIT 1"
                ),
                {"skewed": BIG_COURSE},
            )
        ).one()
        courses = (
            await connection.execute(
                text(
                    "SELECT id FROM courses WHERE id <> :q4 AND code <> :skewed"
                    " ORDER BY student_count, id DESC LIMIT 5"
                ),
                {"q4": q4_course, "skewed": BIG_COURSE},
            )
        ).scalars()
        w_courses = tuple(sorted(courses))
    w_students = tuple(range(max(1, sizes.students - 19), sizes.students + 1))
    return Targets(int(q2_user), str(q4_code), w_students, w_courses)


async def link_snapshot(
    url: str, students: tuple[int, ...], courses: tuple[int, ...], users: tuple[int, ...]
) -> tuple[set[tuple[str, int, int]], int]:
    """The registrations and follows among the write mix's rows, and how many rows hold them."""
    registrations = text(
        "SELECT student_id, course_id FROM registrations"
        " WHERE student_id BETWEEN :a0 AND :a1 AND course_id BETWEEN :b0 AND :b1"
    )
    follows = text(
        "SELECT follower_id, followed_id FROM follows"
        " WHERE follower_id BETWEEN :a0 AND :a1 AND followed_id BETWEEN :b0 AND :b1"
    )
    found: list[tuple[str, int, int]] = []
    async with connect(url) as connection:
        for kind, stmt, left, right in (
            ("registration", registrations, students, courses),
            ("follow", follows, users, users),
        ):
            if not left or not right:
                continue
            bounds = {"a0": min(left), "a1": max(left), "b0": min(right), "b1": max(right)}
            for a, b in (await connection.execute(stmt, bounds)).tuples():
                if a in left and b in right:
                    found.append((kind, int(a), int(b)))
    return set(found), len(found)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
