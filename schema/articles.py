"""Articles: many-to-one with their author."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.engine import (
    UNSET,
    Connection,
    DateTimeFilter,
    Node,
    StringFilter,
    connection,
    ordering,
    to_one,
)
from server import models

if TYPE_CHECKING:
    from schema.users import User, UserFilter

__all__ = ["Article", "ArticleFilter", "ArticleOrder", "Query"]

ArticleOrder = ordering("Article", "ID", "TITLE", "CREATED_AT")


@strawberry.input
class ArticleFilter:
    title: StringFilter | None = UNSET
    created_at: DateTimeFilter | None = UNSET
    author: Annotated[UserFilter, strawberry.lazy("schema.users")] | None = UNSET
    and_: list[ArticleFilter] | None = strawberry.field(name="and", default=UNSET)
    or_: list[ArticleFilter] | None = strawberry.field(name="or", default=UNSET)
    not_: ArticleFilter | None = strawberry.field(name="not", default=UNSET)


@strawberry.type
class Article(Node, model=models.Article):
    title: str
    body: str
    created_at: dt.datetime
    author_id: strawberry.Private[int]

    author: Annotated[User, strawberry.lazy("schema.users")] = to_one(
        models.Article.author, description="The author (many-to-one)."
    )


@strawberry.type
class Query:
    articles: Connection[Article] = connection(
        models.Article, order=ArticleOrder, filter=ArticleFilter
    )
