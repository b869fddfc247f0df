"""Users: their articles, their student profile and who follows whom."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.context import Context
from schema.engine.filters import UserFilter
from schema.engine.ids import encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.ordering import UserOrder
from schema.engine.pagination import Connection
from schema.engine.relations import ROOT_LISTS
from schema.lists import article_list, feed_list, follow_list

if TYPE_CHECKING:
    from schema.students import Student

__all__ = ["Query", "User"]

Info = strawberry.Info[Context, None]


@strawberry.type
class User(Node):
    username: str
    display_name: str
    created_at: dt.datetime
    is_admin: bool = strawberry.field(
        description="Whether this user may manage the catalog (students, courses, teachers)."
    )

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            id=strawberry.ID(encode_id("User", row.id)),
            pk=row.id,
            username=row.username,
            display_name=row.display_name,
            created_at=row.created_at,
            is_admin=row.is_admin,
        )

    @strawberry.field(description="The student profile linked to this user (one-to-one), if any.")
    def student(self, info: Info) -> Annotated[Student, strawberry.lazy("schema.students")] | None:
        return self.related(info)  # type: ignore[no-any-return]

    articles = strawberry.field(
        resolver=article_list,
        description="Articles written by this user (one-to-many), newest first by default.",
    )
    followers = strawberry.field(
        resolver=follow_list,
        description="Users who follow this user; each edge says when they started.",
    )
    following = strawberry.field(
        resolver=follow_list, description="Users this user follows; each edge says when it started."
    )

    @strawberry.field(description="Whether this user follows the user with the given ID.")
    def is_following(self, info: Info, user_id: strawberry.ID) -> bool:
        return self.related(info)  # type: ignore[no-any-return]

    @strawberry.field(description="Whether the user with the given ID follows this user.")
    def is_followed_by(self, info: Info, user_id: strawberry.ID) -> bool:
        return self.related(info)  # type: ignore[no-any-return]

    feed = strawberry.field(
        resolver=feed_list,
        description="Articles by the users this user follows (not its own), newest first.",
    )


@strawberry.type
class Query:
    @strawberry.field
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: UserFilter | None = None,
        order_by: list[UserOrder] | None = None,
    ) -> Connection[User]:
        return await Loader(info).root_list(ROOT_LISTS["User"])  # type: ignore[return-value]

    @strawberry.field(description="The signed-in user, or null.")
    async def viewer(self, info: Info) -> User | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        user = User.from_row(viewer.row)
        loader = Loader(info)
        await info.context.exclusive(lambda: loader.populate("User", [user], [loader.field]))
        return user
