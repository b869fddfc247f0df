"""Articles: written by the signed-in user, changed by their author or an admin."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Article, User
from server.live import outbox as events
from server.services.checks import KEEP, Checks, Keep
from server.services.permissions import Actor, require_owner
from server.services.rows import fetch

__all__ = ["create_article", "delete_article", "update_article"]

TITLE_MAX = 200


async def create_article(session: AsyncSession, actor: Actor, *, title: str, body: str) -> Article:
    checks = Checks()
    checks.text(title, "title", maximum=TITLE_MAX)
    checks.text(body, "body", maximum=None, multiline=True)
    checks.done()
    # Read FOR KEY SHARE, so that the author cannot be deleted before the article is in.
    await fetch(session, User, actor.user_id, None, referenced=True)
    article = Article(title=title, body=body, author_id=actor.user_id)
    session.add(article)
    await session.flush()
    await events.article_added(session, article.id, actor.user_id)
    return article


async def update_article(
    session: AsyncSession,
    actor: Actor,
    article_id: int,
    *,
    title: str | Keep | None = KEEP,
    body: str | Keep | None = KEEP,
) -> Article:
    article = await _own_article(session, actor, article_id)
    checks = Checks()
    if title is not KEEP:
        article.title = checks.text(title, "title", maximum=TITLE_MAX)
    if body is not KEEP:
        article.body = checks.text(body, "body", maximum=None, multiline=True)
    checks.done()
    await session.flush()
    return article


async def delete_article(session: AsyncSession, actor: Actor, article_id: int) -> None:
    await session.delete(await _own_article(session, actor, article_id))
    await session.flush()


async def _own_article(session: AsyncSession, actor: Actor, article_id: int) -> Article:
    """NOT_FOUND for a missing article, FORBIDDEN for someone else's (SPEC §9)."""
    article = await fetch(session, Article, article_id, ("id",), lock=True)
    require_owner(actor, article.author_id, "articles")
    return article
