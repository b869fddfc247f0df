"""Who follows whom: the ``Follow`` association object, created and deleted.

Both users' rows are locked first, in id order: one user's follow and
unfollow calls run one after the other (a repeated follow finds the first
one's row and keeps its timestamp instead of failing on the primary key), and
A following B while B follows A queue up instead of deadlocking on the
counters the triggers update in both rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Follow, User, utcnow
from server.live import outbox as events
from server.services.errors import invalid, not_found
from server.services.permissions import Actor
from server.services.rows import lock_in_order

__all__ = ["FollowChange", "follow", "unfollow"]


@dataclass(frozen=True)
class FollowChange:
    follower: User
    followed: User
    changed: bool


async def follow(session: AsyncSession, actor: Actor, *, user_id: int) -> FollowChange:
    """The actor follows the user; a no-op (keeping the first timestamp) when it already does."""
    follower, followed = await _pair(session, actor, user_id, "follow")
    if await session.get(Follow, (follower.id, followed.id)) is not None:
        return FollowChange(follower, followed, changed=False)
    at = utcnow()
    session.add(Follow(follower_id=follower.id, followed_id=followed.id, created_at=at))
    await session.flush()
    await events.follows_changed(session, events.ADDED, [(follower.id, followed.id)], at)
    return FollowChange(follower, followed, changed=True)


async def unfollow(session: AsyncSession, actor: Actor, *, user_id: int) -> FollowChange:
    """The actor stops following the user; a no-op when it does not follow it."""
    follower, followed = await _pair(session, actor, user_id, "unfollow")
    existing = await session.get(Follow, (follower.id, followed.id))
    if existing is None:
        return FollowChange(follower, followed, changed=False)
    await session.delete(existing)
    await session.flush()
    await events.follows_changed(session, events.REMOVED, [(follower.id, followed.id)], utcnow())
    return FollowChange(follower, followed, changed=True)


async def _pair(session: AsyncSession, actor: Actor, user_id: int, verb: str) -> tuple[User, User]:
    if user_id == actor.user_id:
        raise invalid(f"You cannot {verb} yourself.", ("user_id",))
    found = await lock_in_order(session, User, (actor.user_id, user_id))
    if actor.user_id not in found:
        raise not_found("user", None)
    if user_id not in found:
        raise not_found("user", ("user_id",))
    return found[actor.user_id], found[user_id]
