"""One worker's subscribers, by topic, fed in commit order by the worker's one listener.

The hub starts its listener with the first subscriber. Every event is one
object shared by all its subscribers on the worker, so that what is loaded
for it is loaded once per selection (``LiveEvent.loads``). A subscriber that
falls too far behind is cut off, its connection closed, instead of
buffering without bound.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence

from server.config import Settings
from server.db.engine import Database
from server.live.event import LiveEvent, Topic
from server.live.fanout import Fanout
from server.live.listeners import Listener, listener_for

__all__ = ["Hub", "LiveEvent", "SlowConsumerError", "Subscriber", "Topic"]


class SlowConsumerError(Exception):
    """The subscriber's queue overflowed: it fell too far behind."""


class Subscriber:
    """One live subscription: its topics, an optional filter, and its events waiting to be sent.

    Each read of the outbox is handed over whole, however many events one
    commit made (deleting a course with thousands of students is one burst);
    a subscriber still holding more than ``limit`` events of earlier reads
    when the next one comes has fallen behind, and is cut off. What waits is
    so bounded by ``limit`` plus one read.
    """

    def __init__(
        self,
        topics: Sequence[Topic],
        limit: int,
        accept: Callable[[LiveEvent], bool] | None,
        on_overflow: Callable[[], None] | None,
    ) -> None:
        self.topics = tuple(topics)
        self._limit = limit
        self._accept = accept
        self._on_overflow = on_overflow
        self._waiting: deque[LiveEvent] = deque()
        self._arrived = asyncio.Event()
        self.overflowed = False

    def deliver(self, events: Sequence[LiveEvent], *, checked: bool = False) -> None:
        """Queue those of the events the filter takes, in order (``checked``: it already has)."""
        if self.overflowed:
            return
        accept = self._accept
        taken = events if checked or accept is None else [e for e in events if accept(e)]
        if not taken:
            return
        if len(self._waiting) > self._limit:
            self.overflowed = True
            self._waiting.clear()
            self._arrived.set()
            if self._on_overflow is not None:
                self._on_overflow()
            return
        self._waiting.extend(taken)
        self._arrived.set()

    async def next(self) -> LiveEvent:
        """The next event; ``SlowConsumerError`` once it has fallen behind."""
        while not self._waiting:
            if self.overflowed:
                raise SlowConsumerError
            self._arrived.clear()
            await self._arrived.wait()
        return self._waiting.popleft()


class Hub:
    """The subscribers of one worker process, the listener that feeds them, and their groups."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database
        self._topics: dict[Topic, set[Subscriber]] = defaultdict(set)
        self._listener: Listener | None = None
        self._starting: asyncio.Future[None] | None = None
        self.fanout = Fanout(settings)

    async def subscribe(
        self,
        topics: Sequence[Topic],
        *,
        accept: Callable[[LiveEvent], bool] | None = None,
        on_overflow: Callable[[], None] | None = None,
    ) -> Subscriber:
        """A subscriber to ``topics``: it gets every event committed after its listener started."""
        await self._start()
        subscriber = Subscriber(topics, self._settings.subscription_queue, accept, on_overflow)
        for topic in subscriber.topics:
            self._topics[topic].add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        for topic in subscriber.topics:
            subscribers = self._topics.get(topic)
            if subscribers is not None:
                subscribers.discard(subscriber)
                if not subscribers:
                    del self._topics[topic]

    def publish(self, events: Iterable[LiveEvent]) -> None:
        """Hand the events, in order, to every subscriber of any of their topics (each once)."""
        batches: dict[Subscriber, list[LiveEvent]] = defaultdict(list)
        for event in events:
            reached: dict[Subscriber, None] = {}
            for topic in event.topics:
                reached.update(dict.fromkeys(self._topics.get(topic, ())))
            for subscriber in reached:
                batches[subscriber].append(event)
        for subscriber, batch in batches.items():
            subscriber.deliver(batch)
            if subscriber.overflowed:  # cut off: it gets nothing more, and holds nothing
                self.unsubscribe(subscriber)

    async def close(self) -> None:
        await self.fanout.close()
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
            self._starting = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None

    async def _start(self) -> None:
        """Start the listener once, in a task of its own.

        Whoever asked first may go away meanwhile: cancelled halfway, the
        listener's connection would be left mid-statement, and unclosed.
        """
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start_listener())
        starting = self._starting
        try:
            await asyncio.shield(starting)
        except Exception:
            if self._starting is starting:  # failed: the next subscriber tries again
                self._starting = None
            raise

    async def _start_listener(self) -> None:
        listener = listener_for(self._settings, self._database, self.publish)
        await listener.start()
        self._listener = listener
