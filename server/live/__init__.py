"""Live updates: the outbox a change writes, read back once committed and fanned out to sockets.

Subscriptions below the schema: the outbox rows (``outbox``), the listeners
that read them in commit order, the hub and the fan-out to this worker's
subscribers, the WebSocket handler (``sockets``) and its groups.
"""

from __future__ import annotations

from server.live.event import LiveEvent, Topic
from server.live.hub import Hub, SlowConsumerError, Subscriber
from server.live.snapshot import Snapshot

__all__ = ["Hub", "LiveEvent", "SlowConsumerError", "Snapshot", "Subscriber", "Topic"]
