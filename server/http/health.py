"""Liveness and readiness, and the process-wide fact that shutdown has begun.

Liveness (``/healthz``) says the database answers. Readiness (``/readyz``)
says this process should be sent traffic: the schema is migrated to the
newest revision, the pool connects, and the server is not stopping. The
shutdown flag is set when the server is told to stop (SIGTERM, SIGINT):
one flag per process, as signals are.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.db import migrate
from server.db.engine import Database

__all__ = ["Readiness", "begin_shutdown", "database_answers", "shutting_down", "watch_signals"]

Handler = Callable[[int, FrameType | None], None]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_stopping = False


def begin_shutdown() -> None:
    """Mark this process as stopping: from now on it reports itself not ready."""
    global _stopping
    _stopping = True


def shutting_down() -> bool:
    return _stopping


def watch_signals() -> None:
    """Begin shutdown on a stop signal, then let the server's own handler drain as before.

    Called at startup, when uvicorn (in every worker) has put its handlers in
    place; it knows of no hook, so its handlers are wrapped.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread has signals; an in-process test client has none
    for sig in STOP_SIGNALS:
        previous = signal.getsignal(sig)
        if callable(previous):
            signal.signal(sig, _stopping_then(previous))


def _stopping_then(previous: Callable[[int, FrameType | None], Any]) -> Handler:
    def handle(sig: int, frame: FrameType | None) -> None:
        begin_shutdown()
        previous(sig, frame)

    return handle


async def database_answers(database: Database) -> bool:
    try:
        async with database.reader() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return False
    return True


class Readiness:
    """Checks readiness; once the schema was seen at head, only the pool is checked again."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
        self._migrated = False

    async def problem(self) -> str | None:
        """Why this process is not ready, or None when it is."""
        if shutting_down():
            return "shutting down"
        if not await database_answers(self._database):
            return "database unreachable"
        if not self._migrated:
            try:
                revision = await migrate.current(self._database)
            except (SQLAlchemyError, OSError):
                return "database unreachable"
            if revision != self._head:
                return f"database at revision {revision or 'none'}, not {self._head}"
            self._migrated = True
        return None
