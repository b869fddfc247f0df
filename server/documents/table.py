"""The shared store of persisted documents: one table, read and written by every worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from server.db.models import PersistedDocument, utcnow

__all__ = ["Stored", "find", "listing", "store_automatic", "store_trusted", "touch"]


@dataclass(frozen=True)
class Stored:
    hash: str
    body: str
    trusted: bool
    last_used_at: dt.datetime


async def find(session: AsyncSession, hash_: str) -> Stored | None:
    row = (
        await session.execute(
            select(
                PersistedDocument.hash,
                PersistedDocument.body,
                PersistedDocument.trusted,
                PersistedDocument.last_used_at,
            ).where(PersistedDocument.hash == hash_)
        )
    ).one_or_none()
    return None if row is None else Stored(*row)


async def touch(session: AsyncSession, hash_: str) -> None:
    """Mark the document used now, for the least-recently-used order."""
    await session.execute(
        update(PersistedDocument)
        .where(PersistedDocument.hash == hash_)
        .values(last_used_at=utcnow())
    )


async def store_automatic(session: AsyncSession, hash_: str, body: str, *, keep: int) -> None:
    """Store a document a client registered; keep only the ``keep`` most recently used."""
    now = utcnow()
    row = {"hash": hash_, "body": body, "trusted": False, "created_at": now, "last_used_at": now}
    await session.execute(_upsert(session, row, {"last_used_at": now}))
    stale = (
        select(PersistedDocument.hash)
        .where(PersistedDocument.trusted.is_(False))
        .order_by(PersistedDocument.last_used_at.desc(), PersistedDocument.hash)
        .offset(keep)
    )
    await session.execute(
        delete(PersistedDocument).where(PersistedDocument.hash.in_(stale.scalar_subquery()))
    )


async def store_trusted(session: AsyncSession, documents: Mapping[str, str]) -> int:
    """Trust every document (one already registered becomes trusted); how many were new."""
    now = utcnow()
    before = await _count(session)
    for hash_, body in documents.items():
        row = {"hash": hash_, "body": body, "trusted": True, "created_at": now, "last_used_at": now}
        await session.execute(_upsert(session, row, {"trusted": True}))
    return await _count(session) - before


async def listing(session: AsyncSession) -> list[Stored]:
    """Every stored document, trusted ones first, then the most recently used first."""
    rows = await session.execute(
        select(
            PersistedDocument.hash,
            PersistedDocument.body,
            PersistedDocument.trusted,
            PersistedDocument.last_used_at,
        ).order_by(
            PersistedDocument.trusted.desc(),
            PersistedDocument.last_used_at.desc(),
            PersistedDocument.hash,
        )
    )
    return [Stored(*row) for row in rows]


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(PersistedDocument)) or 0)


def _upsert(session: AsyncSession, row: dict[str, Any], changes: dict[str, Any]) -> Executable:
    """INSERT the row, or make the changes to the one already stored under its hash."""
    if session.get_bind().dialect.name == "sqlite":
        lite = sqlite_insert(PersistedDocument).values(**row)
        return lite.on_conflict_do_update(index_elements=["hash"], set_=changes)
    pg = postgresql_insert(PersistedDocument).values(**row)
    return pg.on_conflict_do_update(index_elements=["hash"], set_=changes)
