"""The log-in throttle, on a clock the test moves."""

from __future__ import annotations

from server.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_attempts_past_the_limit_wait_for_the_oldest_failure_to_age() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window=60, clock=clock)

    assert [throttle.attempt("grace") for _ in range(3)] == [None, None, None]
    clock.now += 10
    assert throttle.attempt("grace") == 50
    assert throttle.attempt("ada") is None
    clock.now += 50
    assert throttle.attempt("grace") is None


def test_a_success_forgives_the_failures() -> None:
    throttle = LoginThrottle(max_failures=2, window=60, clock=Clock())

    throttle.attempt("grace")
    throttle.attempt("grace")
    throttle.succeeded("grace")

    assert throttle.attempt("grace") is None


def test_attempts_in_flight_count_until_they_succeed() -> None:
    """Many attempts sent at once cannot all slip in before the first has failed."""
    throttle = LoginThrottle(max_failures=5, window=60, clock=Clock())

    allowed = [throttle.attempt("grace") is None for _ in range(20)]

    assert allowed.count(True) == 5


def test_stale_usernames_are_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window=60, clock=clock)
    for i in range(1000):
        throttle.attempt(f"user_{i}")

    clock.now += 61
    throttle.attempt("grace")

    assert len(throttle) == 1
