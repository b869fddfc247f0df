"""What one request of the naive baseline carries: its session, guarded by a lock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import strawberry
from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.engine import Database, count_rows

__all__ = ["Info", "NaiveContext"]


@dataclass
class NaiveContext:
    database: Database
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: AsyncSession | None = None

    async def objects(self, stmt: Executable) -> list[Any]:
        """The first column of each row (ORM objects for an entity select)."""
        return [row[0] for row in await self.rows(stmt)]

    async def rows(self, stmt: Executable) -> list[Any]:
        async with self.lock:
            if self.session is None:
                self.session = self.database.reader()
            rows = list((await self.session.execute(stmt)).all())
        count_rows(len(rows))
        return rows

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


Info = strawberry.Info[NaiveContext, None]
