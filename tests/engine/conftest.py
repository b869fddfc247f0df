"""Fixtures of the engine's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from server.db.engine import Database
from tests.engine.work import Statements


@pytest.fixture
def statements(engine_database: Database) -> Iterator[Statements]:
    seen = Statements()
    event.listen(engine_database.engine.sync_engine, "before_cursor_execute", seen)
    yield seen
    event.remove(engine_database.engine.sync_engine, "before_cursor_execute", seen)
