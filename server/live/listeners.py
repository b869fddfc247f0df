"""Each worker's one listener: reads committed events from the outbox, each exactly once.

SQLite: one dedicated connection asks ``PRAGMA data_version``, which changes
whenever another connection (of any process) has committed; only then are
the rows past the last id delivered read. SQLite has one writer at a time,
so ids are handed out in commit order. A commit in this process wakes the
listener at once.

PostgreSQL: one dedicated asyncpg connection ``LISTEN``s; the ``NOTIFY`` sent
in a writer's transaction wakes it at commit. Writers run side by side, so
ids are not in commit order there: each row names its writer's transaction,
and each read takes, in one statement, the current snapshot and the rows of
the transactions the previous snapshot did not see (those running then, and
those begun since). What the new snapshot sees of them has committed since
the previous read, and is delivered in id order; what it does not see is
still running, and is looked for again next time. So every committed event
is delivered exactly once, as soon as a read sees its commit, and events of
one link (one registration, one follow) in commit order: its writers queue
on the same row locks, so a later writer of the link both takes a larger id
and commits after the earlier one has. Writers that share no row lock are in
no defined order. A transaction left open costs one index lookup of its own
rows per read, and delays nothing else.

Either way the outbox is the source of truth: after a lost connection the
listener reads on from where it was. Old rows are pruned now and then by
whichever worker gets there first.
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
from server.db.engine import Database
from server.db.models import Event, utcnow
from server.live.event import LiveEvent
from server.live.outbox import CHANNEL
from server.live.snapshot import Snapshot

__all__ = ["Listener", "listener_for"]

logger = logging.getLogger(__name__)

Publish = Callable[[Sequence[LiveEvent]], None]

_DATA_VERSION = text("PRAGMA data_version")
BATCH = 1_000
# How long rows are kept: far longer than any worker takes to read them.
RETENTION = dt.timedelta(minutes=5)
PRUNE_EVERY_SECONDS = 30.0
RETRY_SECONDS = 1.0
# The rows of the transactions a snapshot did not see: those from its xmax
# on, and those it names as running. In the same statement, the new snapshot.
_SNAPSHOT = "SELECT pg_current_snapshot()::text"
_NEWLY_COMMITTED = """
WITH taken AS (SELECT pg_current_snapshot()::text AS snapshot)
SELECT taken.snapshot, e.id, e.kind, e.change, e.subject_id, e.object_id, e.at, e.xid
FROM taken LEFT JOIN events AS e ON e.xid >= $1 OR e.xid = ANY($2::bigint[])
ORDER BY e.id
"""


class Listener:
    """Reads the outbox whenever woken, publishing what was committed since the last read."""

    # How long to wait for a wake-up before looking anyway.
    idle_seconds = 5.0

    def __init__(self, settings: Settings, database: Database, publish: Publish) -> None:
        self.settings = settings
        self.database = database
        self._publish = publish
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruned_at = 0.0
        self._pruning: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Connect; what has committed by now is the past, not to be delivered."""
        await self.connect()
        await self.begin()
        # The first prune a period later: not in the middle of the start-up's own writes.
        self._pruned_at = asyncio.get_running_loop().time()
        # A context of its own: the listener's statements belong to no request.
        self._task = asyncio.create_task(self._run(), context=contextvars.Context())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._pruning is not None:  # its pooled connection goes back only once it is done
            await asyncio.gather(self._pruning, return_exceptions=True)
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
                    # Not cancelled halfway: a pooled connection must not go back
                    # to the pool with its statement still running.
                    self._pruning = asyncio.ensure_future(self._prune())
                    await asyncio.shield(self._pruning)
                self._wake.clear()
                await self.wait()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: reconnect, read on from where it was
                logger.warning("Event listener lost its connection; retrying", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
                await self._reconnect()

    async def _read_all(self) -> None:
        while True:
            events = await self.read()
            if events:
                self._publish(events)
            if len(events) < BATCH:
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

    async def begin(self) -> None:
        """Take what has committed so far as read."""
        raise NotImplementedError

    async def changed(self) -> bool:
        """Whether anything may have been committed since the last look."""
        raise NotImplementedError

    async def read(self) -> list[LiveEvent]:
        """Events committed since the last read (at most ``BATCH`` more may follow), in order."""
        raise NotImplementedError


class SqliteListener(Listener):
    def __init__(self, settings: Settings, database: Database, publish: Publish) -> None:
        super().__init__(settings, database, publish)
        self.idle_seconds = settings.live_poll_seconds
        self._connection: AsyncConnection | None = None
        self._version: int | None = None
        self._last = 0

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

    async def begin(self) -> None:
        assert self._connection is not None
        newest = await self._connection.scalar(select(func.max(Event.id)))
        await self._connection.rollback()
        self._last = int(newest or 0)

    async def changed(self) -> bool:
        assert self._connection is not None
        version = await self._connection.scalar(_DATA_VERSION)
        await self._connection.rollback()
        changed: bool = version != self._version
        self._version = version
        return changed

    async def read(self) -> list[LiveEvent]:
        assert self._connection is not None
        stmt = select(
            Event.id, Event.kind, Event.change, Event.subject_id, Event.object_id, Event.at
        )
        rows = await self._connection.execute(
            stmt.where(Event.id > self._last).order_by(Event.id).limit(BATCH)
        )
        events = [LiveEvent(*row) for row in rows]
        await self._connection.rollback()
        if events:
            self._last = events[-1].id
        return events


class PostgresListener(Listener):
    def __init__(self, settings: Settings, database: Database, publish: Publish) -> None:
        super().__init__(settings, database, publish)
        url = make_url(settings.database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._connection: Any = None
        self._seen = Snapshot(0, 0, frozenset())

    async def connect(self) -> None:
        self._connection = await asyncpg.connect(self._dsn)
        await self._connection.add_listener(CHANNEL, self._notified)

    async def disconnect(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.terminate()

    def _notified(self, *args: Any) -> None:
        self.wake()

    async def begin(self) -> None:
        self._seen = Snapshot.parse(await self._connection.fetchval(_SNAPSHOT))

    async def changed(self) -> bool:
        return True  # woken by NOTIFY; a read is an index lookup or two

    async def read(self) -> list[LiveEvent]:
        seen = self._seen
        rows = await self._connection.fetch(_NEWLY_COMMITTED, seen.xmax, sorted(seen.running))
        self._seen = Snapshot.parse(rows[0][0])
        return [LiveEvent(*row[1:]) for row in rows if row[1] is not None]


def listener_for(settings: Settings, database: Database, publish: Publish) -> Listener:
    if database.is_sqlite:
        return SqliteListener(settings, database, publish)
    return PostgresListener(settings, database, publish)
