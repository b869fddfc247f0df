"""An event as subscribers get it: one committed row of the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LiveEvent", "Topic"]

Topic = tuple[str, int]
"""("course", id), ("student", id), ("user", id) or ("articles", 0)."""


@dataclass(eq=False)
class LiveEvent:
    """One committed row of the outbox (see ``server.db.models.Event``)."""

    id: int
    kind: str
    change: str | None
    subject_id: int
    object_id: int
    at: dt.datetime
    # PostgreSQL: the writing transaction's id; None on SQLite.
    xid: int | None = None
    # What subscribers' selections loaded for this event, shared between them.
    loads: dict[Any, Any] = field(default_factory=dict)

    @property
    def topics(self) -> tuple[Topic, ...]:
        if self.kind == "enrollment":
            return (("student", self.subject_id), ("course", self.object_id))
        if self.kind == "follow":
            return (("user", self.subject_id), ("user", self.object_id))
        return (("articles", 0),)
