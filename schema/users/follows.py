"""Mutations of who follows whom, always as the viewer."""

from __future__ import annotations

from typing import Protocol

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from schema.payloads import UserError
from schema.users.types import User
from schema.writing import Info, attach, decode, signed_in, user_errors, write
from server.services import follows
from server.services.errors import ServiceError
from server.services.permissions import Actor

__all__ = ["Mutation"]


@strawberry.input
class FollowInput:
    user_id: strawberry.ID = strawberry.field(
        description="The user the viewer starts or stops following."
    )


@strawberry.type
class FollowPayload:
    follower: User | None = strawberry.field(default=None, description="The viewer.")
    followed: User | None = None
    changed: bool = strawberry.field(
        default=False, description="False when the follow was already in the requested state."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


class _Change(Protocol):
    async def __call__(
        self, session: AsyncSession, actor: Actor, *, user_id: int
    ) -> follows.FollowChange: ...


async def _change(info: Info, input: FollowInput, change: _Change) -> FollowPayload:
    try:
        actor = await signed_in(info)
        user_id = decode("User", input.user_id, "user_id")
        result = await write(info, lambda session: change(session, actor, user_id=user_id))
    except ServiceError as error:
        return FollowPayload(user_errors=user_errors(error))
    follower, followed = User.from_row(result.follower), User.from_row(result.followed)
    await attach(info, follower=follower, followed=followed)
    return FollowPayload(follower=follower, followed=followed, changed=result.changed)


async def _follow(info: Info, input: FollowInput) -> FollowPayload:
    return await _change(info, input, follows.follow)


async def _unfollow(info: Info, input: FollowInput) -> FollowPayload:
    return await _change(info, input, follows.unfollow)


@strawberry.type
class Mutation:
    follow = strawberry.mutation(
        resolver=_follow, description="The viewer follows a user (idempotent)."
    )
    unfollow = strawberry.mutation(
        resolver=_unfollow, description="The viewer stops following a user (idempotent)."
    )
