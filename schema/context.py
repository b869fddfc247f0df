"""Everything one request carries: settings, its database session and its lock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from server.config import Settings
from server.db import Database

__all__ = ["Context"]


@dataclass
class Context:
    """Made once per request by the app; resolvers reach it as ``info.context``.

    Strawberry resolves sibling fields concurrently, and an ``AsyncSession``
    must never be used by two tasks at once: whoever uses ``session`` holds
    ``lock`` for the whole unit of work.
    """

    settings: Settings
    database: Database
    request: Request | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The request's reading session, opened on first use."""
        if self._session is None:
            self._session = self.database.reader()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
