"""Mutations of articles: the viewer writes them; their author or an admin changes them."""

from __future__ import annotations

import strawberry

from schema.articles import Article
from schema.engine.ids import encode_id
from schema.payloads import DeleteInput, DeletePayload, UserError
from schema.writing import Info, attach, decode, given, signed_in, user_errors, write
from server.services import articles
from server.services.errors import ServiceError

__all__ = ["Mutation"]


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
    try:
        actor = await signed_in(info)
        row = await write(
            info,
            lambda session: articles.create_article(
                session, actor, title=input.title, body=input.body
            ),
        )
    except ServiceError as error:
        return ArticlePayload(user_errors=user_errors(error))
    return await _payload(info, Article.from_row(row))


async def _update_article(info: Info, input: UpdateArticleInput) -> ArticlePayload:
    try:
        actor = await signed_in(info)
        pk = decode("Article", input.id, "id")
        row = await write(
            info,
            lambda session: articles.update_article(
                session, actor, pk, title=given(input.title), body=given(input.body)
            ),
        )
    except ServiceError as error:
        return ArticlePayload(user_errors=user_errors(error))
    return await _payload(info, Article.from_row(row))


async def _delete_article(info: Info, input: DeleteInput) -> DeletePayload:
    try:
        actor = await signed_in(info)
        pk = decode("Article", input.id, "id")
        await write(info, lambda session: articles.delete_article(session, actor, pk))
    except ServiceError as error:
        return DeletePayload(user_errors=user_errors(error))
    return DeletePayload(deleted_id=strawberry.ID(encode_id("Article", pk)))


async def _payload(info: Info, article: Article) -> ArticlePayload:
    await attach(info, article=article)
    return ArticlePayload(article=article)


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
