"""Each worker's one listener: reads committed events from the outbox, in id order.

SQLite: one dedicated connection asks ``PRAGMA data_version``, which changes
whenever another connection (of any process) has committed; only then are
the new rows read. A commit in this process wakes it at once.
PostgreSQL: one dedicated asyncpg connection ``LISTEN``s; the ``NOTIFY`` sent
in a writer's transaction wakes it at commit. Either way the outbox is the
source of truth: after a lost connection the listener reads on from the last
id it delivered. Old rows are pruned now and then by whichever worker gets
there first.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db import Database
from server.live.event import LiveEvent
from server.models import Event, utcnow
from server.services.events import CHANNEL

__all__ = ["Listener", "listener_for"]

logger = logging.getLogger(__name__)

Publish = Callable[[Sequence[LiveEvent]], None]

_DATA_VERSION = text("PRAGMA data_version")
BATCH = 1_000
# How long rows are kept: far longer than any worker takes to read them.
RETENTION = dt.timedelta(minutes=5)
PRUNE_EVERY_SECONDS = 30.0
RETRY_SECONDS = 1.0
_COLUMNS = "id, kind, change, subject_id, object_id, at"


class Listener:
    """Reads the outbox past ``last`` whenever woken, publishing what it finds."""

    # How long to wait for a wake-up before looking anyway.
    idle_seconds = 5.0

    def __init__(self, settings: Settings, database: Database, publish: Publish) -> None:
        self.settings = settings
        self.database = database
        self._publish = publish
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last = 0
        self._pruned_at = 0.0

    async def start(self) -> None:
        """Connect and take the newest committed id as the starting point."""
        await self.connect()
        self.last = await self.newest()
        # A context of its own: the listener's statements belong to no request.
        self._task = asyncio.create_task(self._run(), context=contextvars.Context())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.disconnect()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                if await self.changed():
                    await self._read_all()
                if loop.time() - self._pruned_at > PRUNE_EVERY_SECONDS:
                    self._pruned_at = loop.time()
                    await self._prune()
                self._wake.clear()
                await self.wait()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: reconnect, read on from `last`
                logger.warning("Event listener lost its connection; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                await self._reconnect()

    async def _read_all(self) -> None:
        while True:
            rows = await self.read_after(self.last)
            if not rows:
                return
            events = [LiveEvent(*row) for row in rows]
            self.last = events[-1].id
            self._publish(events)
            if len(rows) < BATCH:
                return

    async def _reconnect(self) -> None:
        try:
            await self.disconnect()
            await self.connect()
            self._wake.set()
        except Exception:
            logger.warning("Event listener could not reconnect", exc_info=True)

    async def _prune(self) -> None:
        async with self.database.transaction() as session:
            await session.execute(delete(Event).where(Event.at < utcnow() - RETENTION))

    async def wait(self) -> None:
        try:
            async with asyncio.timeout(self.idle_seconds):
                await self._wake.wait()
        except TimeoutError:
            pass

    # What each back end does differently.

    async def connect(self) -> None:
        raise NotImplementedError

    async def disconnect(self) -> None:
        raise NotImplementedError

    async def newest(self) -> int:
        raise NotImplementedError

    async def changed(self) -> bool:
        """Whether anything may have been committed since the last look."""
        raise NotImplementedError

    async def read_after(self, last: int) -> Sequence[Sequence[Any]]:
        raise NotImplementedError


class SqliteListener(Listener):
    def __init__(self, settings: Settings, database: Database, publish: Publish) -> None:
        super().__init__(settings, database, publish)
        self.idle_seconds = settings.live_poll_seconds
        self._connection: AsyncConnection | None = None
        self._version: int | None = None

    async def connect(self) -> None:
        engine = self.database.engine.sync_engine
        if not event.contains(engine, "commit", self._committed):
            event.listen(engine, "commit", self._committed)
        self._connection = await self.database.engine.connect()
        self._version = None

    async def disconnect(self) -> None:
        engine = self.database.engine.sync_engine
        if event.contains(engine, "commit", self._committed):
            event.remove(engine, "commit", self._committed)
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    def _committed(self, conn: Any) -> None:
        self.wake()

    async def newest(self) -> int:
        assert self._connection is not None
        newest = await self._connection.scalar(select(func.max(Event.id)))
        await self._connection.rollback()
        return int(newest or 0)

    async def changed(self) -> bool:
        assert self._connection is not None
        version = await self._connection.scalar(_DATA_VERSION)
        await self._connection.rollback()
        changed: bool = version != self._version
        self._version = version
        return changed

    async def read_after(self, last: int) -> Sequence[Sequence[Any]]:
        assert self._connection is not None
        stmt = select(
            Event.id, Event.kind, Event.change, Event.subject_id, Event.object_id, Event.at
        )
        rows = await self._connection.execute(
            stmt.where(Event.id > last).order_by(Event.id).limit(BATCH)
        )
        result = [tuple(row) for row in rows]
        await self._connection.rollback()
        return result


class PostgresListener(Listener):
    def __init__(self, settings: Settings, database: Database, publish: Publish) -> None:
        super().__init__(settings, database, publish)
        url = make_url(settings.database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._connection: Any = None

    async def connect(self) -> None:
        self._connection = await asyncpg.connect(self._dsn)
        await self._connection.add_listener(CHANNEL, self._notified)

    async def disconnect(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.terminate()

    def _notified(self, *args: Any) -> None:
        self.wake()

    async def newest(self) -> int:
        return int(await self._connection.fetchval("SELECT coalesce(max(id), 0) FROM events"))

    async def changed(self) -> bool:
        return True  # woken by NOTIFY; reading past `last` is one index lookup

    async def read_after(self, last: int) -> Sequence[Sequence[Any]]:
        query = f"SELECT {_COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT {BATCH}"
        rows: Sequence[Sequence[Any]] = await self._connection.fetch(query, last)
        return rows


def listener_for(settings: Settings, database: Database, publish: Publish) -> Listener:
    if database.is_sqlite:
        return SqliteListener(settings, database, publish)
    return PostgresListener(settings, database, publish)
