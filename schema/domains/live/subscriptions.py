"""The ``Subscription`` root fields: live link changes and new articles (SPEC §10).

Each resolver checks its arguments and the viewer first, so that a bad ID or
a missing sign-in is the protocol's ``error`` message before any event; then
it subscribes to the worker's hub and returns the stream of its events. A
WebSocket runs each subscription twice (``server.live.fanout``): once alone,
where ``_subscribe`` only reports the audience, and once for its whole group.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Any

import strawberry
from sqlalchemy import Text, cast, func, literal, select

from schema.common.context import Context
from schema.common.errors import BadUserInputError, UnauthenticatedError
from schema.domains.articles import Article
from schema.domains.live.events import EnrollmentEvent, FollowEvent, shared_node
from schema.engine.ids import decode_id_of
from server.db.models import Base, Course, Event, Follow, Student, User
from server.live import Hub, LiveEvent, SlowConsumerError, Snapshot, Subscriber, Topic
from server.live.fanout import SLOW_CONSUMER, opening

__all__ = ["SLOW_CONSUMER", "Subscription"]

Info = strawberry.Info[Context, None]
Build = Callable[[LiveEvent], Awaitable[Any]]

_MODELS: dict[str, type[Base]] = {"Student": Student, "Course": Course, "User": User}


class _Stream:
    """A subscriber's events as GraphQL root values; closing it unsubscribes.

    The request's time budget covered opening the subscription: its events,
    however late, are not cut off by it.
    """

    def __init__(self, info: Info, subscriber: Subscriber | None, build: Build) -> None:
        self._hub = _hub(info)
        self._context = info.context
        self._subscriber = subscriber
        self._build = build

    def __aiter__(self) -> _Stream:
        return self

    async def __anext__(self) -> Any:
        if self._subscriber is None:  # only checked: nothing to wait for
            raise StopAsyncIteration
        self._context.timeout = None
        while True:
            try:
                event = await self._subscriber.next()
            except SlowConsumerError:
                # The connection is being closed; its end cancels this wait.
                await asyncio.Event().wait()
            item = await self._build(event)
            if item is not None:
                return item

    async def aclose(self) -> None:
        if self._subscriber is not None:
            self._hub.unsubscribe(self._subscriber)


def _hub(info: Info) -> Hub:
    if info.context.hub is None:
        raise BadUserInputError("Subscriptions are served over WebSocket (graphql-transport-ws)")
    return info.context.hub


async def _subscribe(
    info: Info,
    topics: Sequence[Topic],
    audience: Hashable,
    accept: Callable[[LiveEvent], bool] | None = None,
) -> Subscriber | None:
    """The hub's subscriber to ``topics``; None when the subscription is only being checked.

    ``audience``: what of the viewer the events' messages depend on.
    """
    stage = opening.get()
    if stage is not None and stage.probe:
        stage.audience = audience
        return None
    context = info.context
    limit = context.settings.subscription_queue

    def overflowed() -> None:
        if context.close_socket is not None:
            context.close_socket(
                SLOW_CONSUMER, f"Too slow: over {limit} events of earlier commits were still unsent"
            )

    subscriber = await _hub(info).subscribe(topics, accept=accept, on_overflow=overflowed)
    if stage is not None:
        stage.listening()
    return subscriber


async def _rights(info: Info) -> str:
    """The viewer's rights: every field of the link events' objects is public, so no more."""
    viewer = await info.context.viewer()
    if viewer is None:
        return "anonymous"
    return "admin" if viewer.row.is_admin else "user"


async def _existing(info: Info, type_name: str, global_id: str, argument: str) -> int:
    """The primary key of an argument's ID; BAD_USER_INPUT unless it names an existing row."""
    pk = decode_id_of(type_name, global_id)
    if pk is not None:
        model: Any = _MODELS[type_name]
        context = info.context

        async def look_up() -> Any:
            try:
                return await context.session.scalar(select(model.id).where(model.id == pk))
            finally:
                await context.release_session()

        if await context.exclusive(look_up) is not None:
            return pk
    raise BadUserInputError(f"`{argument}` names no {type_name.lower()}: {global_id!r}")


async def _enrollments(info: Info, topic: Topic) -> AsyncIterator[EnrollmentEvent]:
    subscriber = await _subscribe(info, [topic], await _rights(info))

    async def build(event: LiveEvent) -> EnrollmentEvent:
        return EnrollmentEvent.of(event)

    return _Stream(info, subscriber, build)


async def _course_roster_changed(
    info: Info, course_id: strawberry.ID
) -> AsyncIterator[EnrollmentEvent]:
    pk = await _existing(info, "Course", course_id, "courseId")
    return await _enrollments(info, ("course", pk))


async def _student_courses_changed(
    info: Info, student_id: strawberry.ID
) -> AsyncIterator[EnrollmentEvent]:
    pk = await _existing(info, "Student", student_id, "studentId")
    return await _enrollments(info, ("student", pk))


async def _follows_changed(info: Info, user_id: strawberry.ID) -> AsyncIterator[FollowEvent]:
    pk = await _existing(info, "User", user_id, "userId")
    subscriber = await _subscribe(info, [("user", pk)], await _rights(info))

    async def build(event: LiveEvent) -> FollowEvent:
        return FollowEvent.of(event)

    return _Stream(info, subscriber, build)


class _Feed:
    """Whom the viewer follows, kept up to date by the follow events in commit order.

    Starts from one snapshot of the follows: events it already saw are in it
    (and their articles were written before the subscription), the others
    are applied in order. On SQLite, whose writers commit in id order, what
    the snapshot saw is every event up to the newest id; on PostgreSQL, the
    events of the transactions ``pg_current_snapshot()`` saw as committed.
    Events that come before the snapshot is read are held back until then.
    """

    def __init__(self, viewer_id: int) -> None:
        self.viewer_id = viewer_id
        self.newest: int | None = None
        self.snapshot: Snapshot | None = None
        self.following: set[int] = set()
        self.held: list[LiveEvent] = []

    def seen(self, event: LiveEvent) -> bool:
        """Whether the snapshot the feed started from already had the event."""
        if self.snapshot is not None and event.xid is not None:
            return self.snapshot.sees(event.xid)
        return self.newest is not None and event.id <= self.newest

    def accept(self, event: LiveEvent) -> bool:
        if self.newest is None:
            self.held.append(event)
            return False
        if self.seen(event):
            return False
        if event.kind == "follow":
            if event.subject_id == self.viewer_id:
                if event.change == "ADDED":
                    self.following.add(event.object_id)
                else:
                    self.following.discard(event.object_id)
            return False
        return event.kind == "article" and event.object_id in self.following

    async def start(self, info: Info, subscriber: Subscriber) -> None:
        context = info.context
        postgres = not context.database.is_sqlite
        snapshot = cast(func.pg_current_snapshot(), Text) if postgres else literal(None, Text)
        newest = select(
            func.coalesce(func.max(Event.id), 0).label("newest"), snapshot.label("snapshot")
        ).subquery()
        stmt = select(newest.c.newest, newest.c.snapshot, Follow.followed_id).select_from(
            newest.outerjoin(Follow, Follow.follower_id == self.viewer_id)
        )

        async def read() -> list[Any]:
            try:
                return list((await context.session.execute(stmt)).all())
            finally:
                await context.release_session()

        rows = await context.exclusive(read)
        self.following = {followed for _, _, followed in rows if followed is not None}
        self.snapshot = Snapshot.parse(rows[0][1]) if rows[0][1] is not None else None
        self.newest = rows[0][0]
        held, self.held = self.held, []
        subscriber.deliver([event for event in held if self.accept(event)], checked=True)


async def _feed_article_added(info: Info) -> AsyncIterator[Article]:
    viewer = await info.context.viewer()
    if viewer is None:
        raise UnauthenticatedError(
            info.context.token_problem
            or "Sign in first: `feedArticleAdded` needs a token in `connection_init`."
        )
    feed = _Feed(viewer.row.id)
    topics: list[Topic] = [("user", feed.viewer_id), ("articles", 0)]
    subscriber = await _subscribe(info, topics, ("viewer", feed.viewer_id), feed.accept)
    if subscriber is not None:
        await feed.start(info, subscriber)

    async def build(event: LiveEvent) -> Any:
        # Gone again before it could be sent: it is no longer an added article.
        return await shared_node(info, event, "Article", event.subject_id)

    return _Stream(info, subscriber, build)


@strawberry.type
class Subscription:
    course_roster_changed = strawberry.subscription(
        resolver=_course_roster_changed,
        description=(
            "Registrations of one course as they are written and deleted, by any mutation"
            " (enroll, withdraw, setStudentCourses, deleting a student or the course)."
        ),
    )
    student_courses_changed = strawberry.subscription(
        resolver=_student_courses_changed,
        description="Registrations of one student as they are written and deleted.",
    )
    follows_changed = strawberry.subscription(
        resolver=_follows_changed,
        description=(
            "Follows from or to one user as they start and end (follow, unfollow, deleting a user)."
        ),
    )
    feed_article_added = strawberry.subscription(
        resolver=_feed_article_added,
        description=(
            "Articles newly written by the users the viewer follows. Needs a signed-in viewer."
        ),
    )
