"""The worker's listener leaves no statement half-run on a pooled connection when it stops."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, insert, select, text

from server.config import Settings
from server.db.engine import Database
from server.db.models import Event, utcnow
from server.live import Hub, listeners

_PRUNE_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM events%'"
)


async def _prune_waits(database: Database) -> bool:
    # A connection of its own: pg_stat_activity is read once per transaction.
    async with database.engine.connect() as conn:
        return bool(await conn.scalar(_PRUNE_WAITING))


async def test_stopping_the_listener_lets_its_prune_finish(
    settings: Settings, own_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if own_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: a row lock holds the prune's DELETE up")
    own = replace(settings, database_url=own_database_url)
    database = Database(own)
    old = utcnow() - dt.timedelta(hours=1)
    async with database.engine.begin() as conn:
        await conn.execute(
            insert(Event), [{"kind": "article", "subject_id": 1, "object_id": 1, "at": old}]
        )
    monkeypatch.setattr(listeners, "PRUNE_EVERY_SECONDS", 0.0)  # a prune at once
    hub = Hub(own, database)
    async with database.engine.connect() as blocker:
        lock = await blocker.begin()
        await blocker.execute(select(Event.id).with_for_update())
        await hub.subscribe([("articles", 0)])  # its listener starts, and prunes
        async with asyncio.timeout(10):
            while not await _prune_waits(database):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        closing = asyncio.create_task(hub.close())
        await asyncio.sleep(0)  # the listener is told to stop while its DELETE waits
        assert not closing.done()
        await lock.rollback()
    await asyncio.wait_for(closing, 10)
    async with database.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Event)) == 0
    await database.dispose()
