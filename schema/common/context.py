"""Everything one request carries: settings, its database session and its lock, its viewer."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from schema.engine.runtime import Limits
from server.config import Settings
from server.db.engine import Database
from server.live import Hub
from server.security.auth import Auth, TokenError
from server.services import accounts
from server.services.permissions import Actor

T = TypeVar("T")
logger = logging.getLogger(__name__)

__all__ = ["Context", "Viewer", "limits_of"]


@functools.cache
def limits_of(settings: Settings) -> Limits:
    """The limits and page sizes the engine works within, as the settings say."""
    return Limits(
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_nodes=settings.max_nodes,
        max_cost=settings.max_cost,
        request_timeout_seconds=settings.request_timeout_seconds,
    )


@dataclass(frozen=True)
class Viewer:
    """The signed-in user: its public columns, as ``User.from_row`` reads them."""

    row: accounts.ViewerRow

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.row.id, is_admin=self.row.is_admin)


@dataclass
class Context:
    """Made once per request by the app; resolvers reach it as ``info.context``.

    A WebSocket connection has one too, and each of its operations a
    ``fresh`` copy of it (see ``schema.common.extensions.RequestScope``).

    Strawberry resolves sibling fields concurrently, and an ``AsyncSession``
    must never be used by two tasks at once: whoever uses ``session`` holds
    ``lock`` for the whole unit of work.
    """

    settings: Settings
    database: Database
    auth: Auth
    request: HTTPConnection | None = None
    # A WebSocket connection's: the ``connection_init`` payload, the worker's
    # subscribers, and how to close the socket (code, reason).
    connection_params: dict[str, Any] | None = None
    hub: Hub | None = None
    close_socket: Callable[[int, str], None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The operation's time budget while it runs (see ``schema.engine.timeout``).
    timeout: asyncio.Timeout | None = None
    _session: AsyncSession | None = None
    _ended: bool = False
    _viewer: Viewer | None = None
    _viewer_known: bool = False
    # Why the request's token names no viewer, when it came with one.
    token_problem: str | None = None

    @property
    def limits(self) -> Limits:
        return limits_of(self.settings)

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    @property
    def is_connection(self) -> bool:
        return self.hub is not None

    def fresh(self) -> Context:
        """A context of its own for one operation on a WebSocket connection."""
        return Context(
            settings=self.settings,
            database=self.database,
            auth=self.auth,
            request=self.request,
            connection_params=self.connection_params,
            hub=self.hub,
            close_socket=self.close_socket,
        )

    @property
    def session(self) -> AsyncSession:
        """The request's reading session, opened on first use."""
        if self._session is None:
            self._session = self.database.reader()
        return self._session

    async def viewer(self) -> Viewer | None:
        """The user the request's bearer token names, if it is valid.

        One statement, run again only after a mutation has committed.
        """

        async def look_up() -> Viewer | None:
            if not self._viewer_known:
                self._viewer = await self._find_viewer()
                self._viewer_known = True
            return self._viewer

        return await self.exclusive(look_up)

    async def after_write(self) -> None:
        """Start afresh after a mutation committed; call it holding ``lock``.

        A SQLite reader keeps the snapshot its transaction began with, so the
        reading session is closed for the next read to see the commit; and
        the viewer is looked up again, since the change may have been to it.
        """
        await self.release_session()
        self._viewer_known = False

    @property
    def cut_off(self) -> bool:
        """Whether the request ran past its time budget: work still running must not commit."""
        return self.timeout is not None and self.timeout.expired()

    async def exclusive(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` holding ``lock``, to its end even if the caller is cancelled.

        The executor cancels a failed field's siblings, and the time budget
        the whole request; a statement cancelled mid-flight would invalidate
        the session's connection, so database work finishes (and releases the
        lock) before the cancellation lands. Work that has not started by the
        time the request ends never starts; work that ends after it closes
        the session.
        """

        async def run() -> T:
            async with self.lock:
                if self._ended:
                    raise asyncio.CancelledError("the request has ended")
                try:
                    return await self._again_if_lost(work)
                finally:
                    if self._ended:
                        await self.release_session()

        return await asyncio.shield(run())

    async def _again_if_lost(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work``, run once more on a fresh connection if its connection was lost.

        Only reads get here with that error: a write turns it into its own
        error first (``schema.common.writing.write``), as it cannot know what it left.
        """
        try:
            return await work()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        logger.warning("The database connection was lost under a read: reading again")
        await self.release_session()
        return await work()

    async def close(self) -> None:
        """End the request: wait for database work still running, then close.

        A request cut off by its time budget does not wait: ``exclusive``
        closes the session when that work ends.
        """
        self._ended = True
        if self.cut_off and self.lock.locked():
            return
        async with self.lock:
            await self.release_session()

    async def release_session(self) -> None:
        """Close the reading session, giving its connection back; hold ``lock``."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _find_viewer(self) -> Viewer | None:
        token = self._bearer_token()
        if token is None:
            return None
        try:
            claims = self.auth.tokens.read(token)
        except TokenError as error:
            self.token_problem = str(error)
            return None
        row = await accounts.active_user(self.session, claims.user_id, claims.version)
        if row is None:
            self.token_problem = "The token has been revoked: sign in again."
            return None
        return Viewer(row)

    def _bearer_token(self) -> str | None:
        header = self._authorization()
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self.token_problem = "The Authorization header must read `Bearer <token>`."
            return None
        return token.strip()

    def _authorization(self) -> str | None:
        """The Authorization value: a WebSocket's ``connection_init`` payload wins over headers."""
        for key, value in (self.connection_params or {}).items():
            if key.lower() == "authorization":
                return value if isinstance(value, str) else "(not a string)"
        return self.request.headers.get("authorization") if self.request else None
