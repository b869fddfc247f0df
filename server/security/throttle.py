"""A limit on failed log-ins per username, counted in the database (SPEC §5).

Every worker and every host on the same database shares one count. Rows older
than the window are deleted as new attempts come, so the table stays as small
as the failures of the last window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import LoginFailure, utcnow

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """At most ``max_failures`` failed attempts per key within ``window`` seconds.

    An attempt counts as a failure from the moment it starts until it is
    declared a success, so that many attempts sent at once, to any workers,
    cannot all slip in before the first of them has failed.
    """

    def __init__(
        self, max_failures: int, window: float, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self._max = max_failures
        self._window = dt.timedelta(seconds=window)
        self._clock = clock

    async def attempt(self, session: AsyncSession, key: str) -> int | None:
        """Start an attempt: None when it may go ahead, else whole seconds until one may.

        ``session`` must be in a write transaction; on SQLite that alone
        serialises attempts, on PostgreSQL a lock on the key does.
        """
        now = self._clock()
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
        await session.execute(
            delete(LoginFailure).where(LoginFailure.failed_at <= now - self._window)
        )
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.failed_at)).where(
                    LoginFailure.username == key
                )
            )
        ).one()
        if count >= self._max:
            wait = (oldest + self._window - now).total_seconds()
            return max(1, math.ceil(wait))
        session.add(LoginFailure(username=key, failed_at=now))
        return None

    async def succeeded(self, session: AsyncSession, key: str) -> None:
        """The attempt was right: the key's failures are forgiven."""
        await session.execute(delete(LoginFailure).where(LoginFailure.username == key))

    async def failures(self, session: AsyncSession) -> int:
        """How many failures are on record, for every key."""
        return (await session.execute(select(func.count()).select_from(LoginFailure))).scalar_one()
