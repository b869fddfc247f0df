"""One run of a subscription per group of subscribers that would all get the same messages.

Subscribers with the same document, variables and audience (what of the
viewer their results depend on) form a group. The group's one source runs
the subscription, and each of its results is encoded once; every member
gets those bytes under its own id, from a bounded queue of its own, so that
a member whose socket falls behind is cut off without holding up the others.
The work per event is so proportional to the groups, not to the subscribers.

A subscription's resolver learns how it is being opened from ``opening``: a
member's check (``probe``, which reports the audience and subscribes to
nothing) or the group's source, which reports once it listens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson

from server.config import Settings

__all__ = ["SLOW_CONSUMER", "Ended", "Fanout", "Group", "Member", "Opening", "opening"]

SLOW_CONSUMER = 4008
"""The close code of a connection whose subscriber fell too far behind."""


@dataclass
class Opening:
    """What a subscription's resolver tells the fan-out while the subscription opens."""

    probe: bool
    # Set by a probe's resolver: what of the viewer the results depend on.
    audience: Hashable | None = None
    # Called by a source's resolver once its events are being collected.
    listening: Callable[[], None] = lambda: None


opening: ContextVar[Opening | None] = ContextVar("opening", default=None)


@dataclass(frozen=True)
class Ended:
    """The group's source is done: with the errors it was refused with, or none (complete)."""

    errors: list[Any] | None = None


Send = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], None]


class Member:
    """One subscription on one socket: its id, and its messages waiting to be sent."""

    def __init__(self, operation_id: str, send: Send, close: Close, limit: int) -> None:
        # The frame around a payload, as graphql-transport-ws's `next` message.
        self._prefix = '{"id":' + orjson.dumps(operation_id).decode() + ',"type":"next","payload":'
        self._send = send
        self._close = close
        self._limit = limit
        self._waiting: deque[str | Ended] = deque()
        self._arrived = asyncio.Event()
        self.overflowed = False
        # Counted as served: its group's source listens.
        self.live = False

    def push(self, payload: str) -> None:
        if self.overflowed:
            return
        if len(self._waiting) > self._limit:
            self.cut_off(SLOW_CONSUMER, f"Too slow: over {self._limit} events were still unsent")
            return
        self._waiting.append(self._prefix + payload + "}")
        self._arrived.set()

    def cut_off(self, code: int, reason: str) -> None:
        """Send nothing more; the connection is closed."""
        self.overflowed = True
        self._waiting.clear()
        self._close(code, reason)

    def end(self, ended: Ended) -> None:
        self._waiting.append(ended)
        self._arrived.set()

    async def run(self) -> Ended:
        """Send the messages as they come, until the source ends."""
        while True:
            while not self._waiting:
                self._arrived.clear()
                await self._arrived.wait()
            item = self._waiting.popleft()
            if isinstance(item, Ended):
                return item
            await self._send(item)


Source = Callable[["Group"], Coroutine[Any, Any, None]]


class Group:
    """The members that share one source, and the task that runs it."""

    def __init__(self, fanout: Fanout, key: Hashable) -> None:
        self._fanout = fanout
        self.key = key
        self.members: set[Member] = set()
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def broadcast(self, payload: str) -> None:
        for member in list(self.members):
            member.push(payload)
            if member.overflowed:
                self._fanout.leave(member)

    def end(self, ended: Ended) -> None:
        """No more results: the members send ``ended`` last, new ones start a group afresh."""
        self._fanout.forget(self)
        self.ready.set()
        for member in self.members:
            member.end(ended)

    def close_all(self, code: int, reason: str) -> None:
        """The source fell behind: every member's connection is closed."""
        for member in list(self.members):
            member.cut_off(code, reason)
            self._fanout.leave(member)


class Fanout:
    """This worker's groups, by key."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._groups: dict[Hashable, Group] = {}
        self._member_groups: dict[Member, Group] = {}
        self._live = 0

    @property
    def members(self) -> int:
        """Subscriptions being served: joined, and their group's source listening."""
        return self._live

    async def join(self, key: Hashable, member: Member, start: Source) -> Group:
        """Add the member to the group of ``key``, starting it; back once its source listens."""
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(self, key)
            group.task = asyncio.create_task(start(group))
        group.members.add(member)
        self._member_groups[member] = group
        await group.ready.wait()
        if member in self._member_groups:
            member.live = True
            self._count(1)
        return group

    def leave(self, member: Member) -> None:
        group = self._member_groups.pop(member, None)
        if group is None:
            return
        if member.live:
            member.live = False
            self._count(-1)
        group.members.discard(member)
        if not group.members:
            self.forget(group)
            if group.task is not None:
                group.task.cancel()

    def forget(self, group: Group) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    async def close(self) -> None:
        tasks = [g.task for g in self._groups.values() if g.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def _count(self, delta: int) -> None:
        self._live += delta
        if self._settings.metrics:
            # Imported here: prometheus_client must first see the multiprocess directory.
            from server.observability.metrics import metrics

            metrics().subscriptions_live.inc(delta)
