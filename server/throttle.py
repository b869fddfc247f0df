"""An in-process limit on failed log-ins per username (SPEC §5).

Each worker process keeps its own count, so with N workers an attacker gets
at most N times the limit; the limit exists to make guessing slow, not to be
exact.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """At most ``max_failures`` failed attempts per key within ``window`` seconds.

    An attempt counts as a failure from the moment it starts until it is
    declared a success, so that many attempts sent at once cannot all slip
    in before the first of them has failed.
    """

    def __init__(
        self, max_failures: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_failures
        self._window = window
        self._clock = clock
        # Least recently failed first, so stale keys are dropped from the front.
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def attempt(self, key: str) -> int | None:
        """Start an attempt: None when it may go ahead, else whole seconds until one may."""
        now = self._clock()
        self._forget_before(now - self._window)
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if len(failures) >= self._max:
            return max(1, math.ceil(failures[0] + self._window - now))
        failures.append(now)
        self._failures.move_to_end(key)
        return None

    def succeeded(self, key: str) -> None:
        """The attempt was right: the key's failures are forgiven."""
        self._failures.pop(key, None)

    def __len__(self) -> int:
        """How many keys have failures on record."""
        return len(self._failures)

    def _forget_before(self, cutoff: float) -> None:
        while self._failures:
            key, failures = next(iter(self._failures.items()))
            if failures and failures[-1] > cutoff:
                break
            del self._failures[key]
