"""Users: their articles, their student profile and who follows whom."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.common.context import Context
from schema.engine import (
    UNSET,
    Connection,
    DateTimeFilter,
    IntFilter,
    Loader,
    Node,
    PageInfo,
    StringFilter,
    connection,
    membership,
    order_input,
    request_row,
    to_one,
)
from server.db import models

if TYPE_CHECKING:
    from schema.domains.articles import Article, ArticleListFilter, ArticleOrder
    from schema.domains.students import Student

__all__ = [
    "FollowConnection",
    "FollowEdge",
    "Query",
    "User",
    "UserFilter",
    "UserListFilter",
    "UserOrder",
]

Info = strawberry.Info[Context, None]
UserOrder = order_input(
    "User",
    "ID",
    "USERNAME",
    "CREATED_AT",
    FOLLOWER_COUNT="How many users follow this one.",
    FOLLOWING_COUNT="How many users this one follows.",
    ARTICLE_COUNT="How many articles this user wrote.",
)


@strawberry.input
class UserFilter:
    username: StringFilter | None = UNSET
    display_name: StringFilter | None = UNSET
    created_at: DateTimeFilter | None = UNSET
    followers: UserListFilter | None = strawberry.field(
        default=UNSET, description="The users who follow this one."
    )
    following: UserListFilter | None = strawberry.field(
        default=UNSET, description="The users this one follows."
    )
    articles: Annotated[ArticleListFilter, strawberry.lazy("schema.domains.articles")] | None = (
        UNSET
    )
    and_: list[UserFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[UserFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: UserFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.input(
    description="Matches a user by a list of users related to it"
    " (its followers, or those it follows)."
)
class UserListFilter:
    some: UserFilter | None = UNSET
    none: UserFilter | None = UNSET
    count: IntFilter | None = UNSET


@strawberry.type(description="One follow relationship: the association object, with its timestamp.")
class FollowEdge:
    cursor: str
    followed_at: dt.datetime
    node: User


@strawberry.type
class FollowConnection:
    edges: list[FollowEdge]
    nodes: list[User]
    page_info: PageInfo
    total_count: int


# A follow's own column, shown on the edges of both lists and the order they list in.
_FOLLOWED_AT = {"followed_at": models.Follow.created_at}
_NEWEST_FIRST = ("followed_at", "id")


@strawberry.type
class User(Node, model=models.User):
    username: str
    display_name: str
    created_at: dt.datetime
    is_admin: bool = strawberry.field(
        description="Whether this user may manage the catalog (students, courses, teachers)."
    )

    student: Annotated[Student, strawberry.lazy("schema.domains.students")] | None = to_one(
        models.User.student,
        description="The student profile linked to this user (one-to-one), if any.",
    )
    articles: Connection[Annotated[Article, strawberry.lazy("schema.domains.articles")]] = (
        connection(
            models.User.articles,
            order=Annotated["ArticleOrder", strawberry.lazy("schema.domains.articles")],
            default_order=("created_at", "id"),
            descending=True,
            description="Articles written by this user (one-to-many), newest first by default.",
        )
    )
    followers: FollowConnection = connection(
        models.User.followers,
        default_order=_NEWEST_FIRST,
        descending=True,
        edge=_FOLLOWED_AT,
        description="Users who follow this user; each edge says when they started.",
    )
    following: FollowConnection = connection(
        models.User.following,
        default_order=_NEWEST_FIRST,
        descending=True,
        edge=_FOLLOWED_AT,
        description="Users this user follows; each edge says when it started.",
    )
    is_following: bool = membership(
        models.User.following,
        argument="user_id",
        description="Whether this user follows the user with the given ID.",
    )
    is_followed_by: bool = membership(
        models.User.followers,
        argument="user_id",
        description="Whether the user with the given ID follows this user.",
    )
    # Not a relationship of its own: the articles of the users this user follows.
    feed: Connection[Annotated[Article, strawberry.lazy("schema.domains.articles")]] = connection(
        models.User.following,
        models.User.articles,
        default_order=("created_at", "id"),
        descending=True,
        description="Articles by the users this user follows (not its own), newest first.",
    )


@strawberry.type
class Query:
    users: Connection[User] = connection(models.User, order=UserOrder, filter=UserFilter)

    @strawberry.field(
        description="The signed-in user, or null.",
        metadata=request_row("viewer", models.User, models.User.id, models.User.token_version),
    )
    async def viewer(self, info: Info) -> User | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        user = User.from_row(viewer.row)
        loader = Loader(info)
        await info.context.exclusive(lambda: loader.populate("User", [user], [loader.field]))
        return user
