"""Live updates: committed events read from the outbox, fanned out to this worker's subscribers."""

from __future__ import annotations

from server.live.event import LiveEvent, Topic
from server.live.hub import Hub, SlowConsumerError, Subscriber

__all__ = ["Hub", "LiveEvent", "SlowConsumerError", "Subscriber", "Topic"]
