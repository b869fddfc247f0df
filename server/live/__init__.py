"""Live updates: committed events read from the outbox, fanned out to this worker's subscribers."""

from __future__ import annotations

from server.live.event import LiveEvent, Topic
from server.live.hub import Hub, SlowConsumerError, Subscriber
from server.live.snapshot import Snapshot

__all__ = ["Hub", "LiveEvent", "SlowConsumerError", "Snapshot", "Subscriber", "Topic"]
