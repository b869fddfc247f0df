"""What the engine needs of the runtime: the one module of the engine that imports ``server``.

A request's context satisfies ``Runtime``: the reading session and the lock
that guards it, the back end, the time budget, and the limits and page sizes
(``Limits``). The engine reads nothing else of the request, and no settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.engine import count_rows
from server.db.orm import UTCDateTime

__all__ = ["Limits", "Runtime", "UTCDateTime", "count_rows"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """The page sizes and the query limits the engine works within."""

    default_page_size: int
    max_page_size: int
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_nodes: int
    max_cost: int
    request_timeout_seconds: float  # 0: no budget


class Runtime(Protocol):
    """One request, as the engine sees it."""

    timeout: asyncio.Timeout | None

    @property
    def limits(self) -> Limits: ...

    @property
    def is_sqlite(self) -> bool: ...

    @property
    def session(self) -> AsyncSession:
        """The request's reading session; use it holding the lock (``exclusive``)."""
        ...

    async def exclusive(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run database work holding the request's lock, to its end."""
        ...
