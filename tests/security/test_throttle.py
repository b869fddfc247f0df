"""The log-in throttle, counted in the database, on a clock the test moves."""

from __future__ import annotations

import datetime as dt

from server.db.engine import Database
from server.security.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


async def _attempt(database: Database, throttle: LoginThrottle, key: str) -> int | None:
    async with database.transaction() as session:
        return await throttle.attempt(session, key)


async def test_attempts_past_the_limit_wait_for_the_oldest_failure_to_age(
    database: Database,
) -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window=60, clock=clock)

    assert [await _attempt(database, throttle, "grace") for _ in range(3)] == [None] * 3
    clock.advance(10)
    assert await _attempt(database, throttle, "grace") == 50
    assert await _attempt(database, throttle, "ada") is None
    clock.advance(50)
    assert await _attempt(database, throttle, "grace") is None


async def test_a_success_forgives_the_failures(database: Database) -> None:
    throttle = LoginThrottle(max_failures=2, window=60, clock=Clock())
    await _attempt(database, throttle, "grace")
    await _attempt(database, throttle, "grace")

    async with database.transaction() as session:
        await throttle.succeeded(session, "grace")

    assert await _attempt(database, throttle, "grace") is None


async def test_the_count_is_shared_by_every_throttle_on_the_database(database: Database) -> None:
    """Each worker process has a throttle of its own; the count is the database's."""
    clock = Clock()
    workers = [LoginThrottle(max_failures=4, window=60, clock=clock) for _ in range(4)]

    allowed = [await _attempt(database, workers[i % 4], "grace") is None for i in range(12)]

    assert allowed == [True] * 4 + [False] * 8


async def test_stale_failures_are_deleted(database: Database) -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window=60, clock=clock)
    for i in range(50):
        await _attempt(database, throttle, f"user_{i}")

    clock.advance(61)
    await _attempt(database, throttle, "grace")

    async with database.transaction() as session:
        assert await throttle.failures(session) == 1
