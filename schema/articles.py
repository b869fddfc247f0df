"""Articles: many-to-one with their author."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.context import Context
from schema.engine.filters import ArticleFilter
from schema.engine.ids import encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.ordering import ArticleOrder
from schema.engine.pagination import Connection
from schema.engine.relations import ROOT_LISTS

if TYPE_CHECKING:
    from schema.users import User

__all__ = ["Article", "Query"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Article(Node):
    title: str
    body: str
    created_at: dt.datetime
    author_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Article:
        return cls(
            id=strawberry.ID(encode_id("Article", row.id)),
            pk=row.id,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
            author_id=row.author_id,
        )

    @strawberry.field(description="The author (many-to-one).")
    def author(self, info: Info) -> Annotated[User, strawberry.lazy("schema.users")]:
        return self.related(info)  # type: ignore[no-any-return]


@strawberry.type
class Query:
    @strawberry.field
    async def articles(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ArticleFilter | None = None,
        order_by: list[ArticleOrder] | None = None,
    ) -> Connection[Article]:
        return await Loader(info).root_list(ROOT_LISTS["Article"])  # type: ignore[return-value]
