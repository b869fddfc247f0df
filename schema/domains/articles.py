"""Articles, many-to-one with their author: written by the viewer, changed by the author."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.common.payloads import DeleteInput, DeletePayload, UserError
from schema.common.writing import Info, decode, delete_node, given, node_payload, signed_in, write
from schema.engine import (
    UNSET,
    Connection,
    DateTimeFilter,
    IntFilter,
    Node,
    StringFilter,
    connection,
    order_input,
    to_one,
)
from server.db import models
from server.services import articles

if TYPE_CHECKING:
    from schema.domains.users import User, UserFilter

__all__ = [
    "Article",
    "ArticleFilter",
    "ArticleListFilter",
    "ArticleOrder",
    "ArticlePayload",
    "Mutation",
    "Query",
]

ArticleOrder = order_input(
    "Article", "ID", "TITLE", "CREATED_AT", AUTHOR_USERNAME="The author's username."
)


@strawberry.input
class ArticleFilter:
    title: StringFilter | None = UNSET
    created_at: DateTimeFilter | None = UNSET
    author: Annotated[UserFilter, strawberry.lazy("schema.domains.users")] | None = UNSET
    and_: list[ArticleFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[ArticleFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: ArticleFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.input(description="Matches a user by its articles.")
class ArticleListFilter:
    some: ArticleFilter | None = UNSET
    none: ArticleFilter | None = UNSET
    count: IntFilter | None = UNSET


@strawberry.type
class Article(Node, model=models.Article):
    title: str
    body: str
    created_at: dt.datetime
    author_id: strawberry.Private[int]

    author: Annotated[User, strawberry.lazy("schema.domains.users")] = to_one(
        models.Article.author, description="The author (many-to-one)."
    )


@strawberry.type
class Query:
    articles: Connection[Article] = connection(
        models.Article, order=ArticleOrder, filter=ArticleFilter
    )


@strawberry.input
class CreateArticleInput:
    title: str
    body: str


@strawberry.input
class UpdateArticleInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    body: str | None = strawberry.UNSET


@strawberry.type
class ArticlePayload:
    article: Article | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _create_article(info: Info, input: CreateArticleInput) -> ArticlePayload:
    async def change() -> Any:
        actor = await signed_in(info)
        return await write(
            info,
            lambda session: articles.create_article(
                session, actor, title=input.title, body=input.body
            ),
        )

    return await node_payload(info, ArticlePayload, Article, change())


async def _update_article(info: Info, input: UpdateArticleInput) -> ArticlePayload:
    async def change() -> Any:
        actor = await signed_in(info)
        pk = decode("Article", input.id, "id")
        return await write(
            info,
            lambda session: articles.update_article(
                session, actor, pk, title=given(input.title), body=given(input.body)
            ),
        )

    return await node_payload(info, ArticlePayload, Article, change())


async def _delete_article(info: Info, input: DeleteInput) -> DeletePayload:
    return await delete_node(info, "Article", input.id, articles.delete_article)


@strawberry.type
class Mutation:
    create_article = strawberry.mutation(
        resolver=_create_article, description="Write an article as the viewer."
    )
    update_article = strawberry.mutation(
        resolver=_update_article,
        description="Only the author (or an admin) may update or delete an article.",
    )
    delete_article = strawberry.mutation(
        resolver=_delete_article, description="Delete an article (its author, or an admin)."
    )
