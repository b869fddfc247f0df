"""Mutations of who follows whom, always as the viewer."""

from __future__ import annotations

from typing import Any, Protocol

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from schema.common.payloads import UserError
from schema.common.writing import Info, decode, link_payload, signed_in, write
from schema.domains.users.types import User
from server.services import follows
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
    async def link() -> Any:
        actor = await signed_in(info)
        user_id = decode("User", input.user_id, "user_id")
        return await write(info, lambda session: change(session, actor, user_id=user_id))

    return await link_payload(info, FollowPayload, link(), follower=User, followed=User)


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
