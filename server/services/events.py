"""Recording what subscribers hear of: written in the change's own transaction (the outbox).

A service calls these after its flush, as its last step, so that the rows
exist if and only if the change commits. On PostgreSQL the writer first takes
one transaction-scoped advisory lock: writers of events then commit one after
the other, in the order of their event ids, so a listener that has read up to
id n never sees a smaller id commit later. The lock is the transaction's last,
so it cannot take part in a deadlock. ``NOTIFY`` wakes the listeners at commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Event, utcnow

__all__ = ["ADDED", "CHANNEL", "REMOVED", "article_added", "follows_changed", "links_changed"]

ADDED = "ADDED"
REMOVED = "REMOVED"
CHANNEL = "campus_events"
# Any constant: the advisory lock that orders the writers of events.
_ORDER_LOCK = 0x63616D70


async def links_changed(
    session: AsyncSession, change: str, pairs: Iterable[tuple[int, int]]
) -> None:
    """Registrations (student id, course id) written or deleted."""
    now = utcnow()
    await _record(session, [("enrollment", change, s, c, now) for s, c in pairs])


async def follows_changed(
    session: AsyncSession, change: str, pairs: Iterable[tuple[int, int]], at: dt.datetime
) -> None:
    """Follows (follower id, followed id) started or ended at ``at``."""
    await _record(session, [("follow", change, a, b, at) for a, b in pairs])


async def article_added(session: AsyncSession, article_id: int, author_id: int) -> None:
    await _record(session, [("article", None, article_id, author_id, utcnow())])


async def _record(
    session: AsyncSession, rows: list[tuple[str, str | None, int, int, dt.datetime]]
) -> None:
    if not rows:
        return  # a no-op publishes nothing
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        await session.execute(select(func.pg_advisory_xact_lock(_ORDER_LOCK)))
    await session.execute(
        insert(Event),
        [
            {"kind": k, "change": c, "subject_id": s, "object_id": o, "at": at}
            for k, c, s, o, at in rows
        ],
    )
    if postgres:
        await session.execute(select(func.pg_notify(CHANNEL, "")))
