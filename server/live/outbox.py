"""Recording what subscribers hear of: written in the change's own transaction (the outbox).

A service calls these after its flush, as its last step, so that the rows
exist if and only if the change commits. Writers take no lock of their own:
on PostgreSQL each row names its writer's transaction id, and the listeners
deliver a transaction's rows once a snapshot sees it committed (see
``server.live.listeners``); ``NOTIFY`` wakes them at commit. Writers of one
link have already queued on its rows' locks when they get here, so their
event ids follow their commit order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import BigInteger, Text, cast, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Event, utcnow

__all__ = ["ADDED", "CHANNEL", "REMOVED", "article_added", "follows_changed", "links_changed"]

ADDED = "ADDED"
REMOVED = "REMOVED"
CHANNEL = "campus_events"
# xid8 has no cast to bigint but through text; 63 bits are plenty.
_XID = cast(cast(func.pg_current_xact_id(), Text), BigInteger)


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
    await session.execute(
        insert(Event).values(xid=_XID) if postgres else insert(Event),
        [
            {"kind": k, "change": c, "subject_id": s, "object_id": o, "at": at}
            for k, c, s, o, at in rows
        ],
    )
    if postgres:
        await session.execute(select(func.pg_notify(CHANNEL, "")))
