"""createArticle, updateArticle and deleteArticle: the author's, or an admin's."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Article, utcnow
from tests.people import People
from tests.rows import snapshot
from tests.support import GraphQLClient, gid

CREATE = """
mutation Create($input: CreateArticleInput!) {
  createArticle(input: $input) {
    article { id title body createdAt author { username articles { totalCount } } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateArticleInput!) {
  updateArticle(input: $input) {
    article { title body author { username } }
    userErrors { field message code }
  }
}
"""
DELETE = """
mutation Delete($input: DeleteInput!) {
  deleteArticle(input: $input) { deletedId userErrors { field message code } }
}
"""


async def _add_article(connection: AsyncConnection, author_id: int, title: str = "Hello") -> int:
    stmt = insert(Article).values(
        title=title, body="Body", author_id=author_id, created_at=utcnow()
    )
    return (await connection.execute(stmt.returning(Article.id))).scalar_one()


async def test_create_article_as_the_viewer(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    data = await client.query(
        CREATE, {"input": {"title": "Graphs", "body": "Are everywhere."}}, **people.alice.headers
    )

    article = data["createArticle"]["article"]
    assert data["createArticle"]["userErrors"] == []
    assert (article["title"], article["body"]) == ("Graphs", "Are everywhere.")
    assert article["author"] == {"username": "alice", "articles": {"totalCount": 1}}
    assert article["createdAt"].endswith("Z")
    row = (await connection.execute(select(Article.id, Article.author_id))).one()
    assert (gid("Article", row.id), row.author_id) == (article["id"], people.alice.id)


async def test_create_article_checks_its_values(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    before = await snapshot(connection)
    for values, fields in [
        ({"title": "", "body": "x"}, ["title"]),
        ({"title": "t" * 201, "body": " "}, ["title", "body"]),
    ]:
        data = await client.query(CREATE, {"input": values}, **people.alice.headers)
        assert data["createArticle"]["article"] is None
        assert [(e["field"], e["code"]) for e in data["createArticle"]["userErrors"]] == [
            (["input", field], "INVALID") for field in fields
        ]
    assert await snapshot(connection) == before


async def test_the_author_updates_its_article_field_by_field(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    article = gid("Article", await _add_article(connection, people.alice.id))

    retitled = await client.query(
        UPDATE, {"input": {"id": article, "title": "New"}}, **people.alice.headers
    )
    assert retitled["updateArticle"]["article"] == {
        "title": "New",
        "body": "Body",
        "author": {"username": "alice"},
    }

    before = await snapshot(connection)
    refused = await client.query(
        UPDATE, {"input": {"id": article, "body": None}}, **people.alice.headers
    )
    assert refused["updateArticle"]["article"] is None
    assert [(e["field"], e["code"]) for e in refused["updateArticle"]["userErrors"]] == [
        (["input", "body"], "INVALID")
    ]
    assert await snapshot(connection) == before


async def test_someone_elses_article_is_forbidden_a_missing_one_not_found(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    article = gid("Article", await _add_article(connection, people.alice.id))
    before = await snapshot(connection)
    cases = [
        (UPDATE, {"id": article, "title": "Mine now"}, "FORBIDDEN", None),
        (DELETE, {"id": article}, "FORBIDDEN", None),
        (UPDATE, {"id": gid("Article", 999)}, "NOT_FOUND", ["input", "id"]),
        (DELETE, {"id": "nope"}, "NOT_FOUND", ["input", "id"]),
    ]
    for document, values, code, field in cases:
        data = await client.query(document, {"input": values}, **people.bob.headers)
        [payload] = data.values()
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert await snapshot(connection) == before


async def test_an_admin_may_update_and_delete_any_article(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    pk = await _add_article(connection, people.alice.id)
    article = gid("Article", pk)

    updated = await client.query(
        UPDATE, {"input": {"id": article, "body": "Edited"}}, **people.admin.headers
    )
    deleted = await client.query(DELETE, {"input": {"id": article}}, **people.admin.headers)

    assert updated["updateArticle"]["article"]["author"] == {"username": "alice"}
    assert deleted["deleteArticle"] == {"deletedId": article, "userErrors": []}
    assert await connection.scalar(select(Article.id).where(Article.id == pk)) is None


async def test_the_author_deletes_its_article(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    pk = await _add_article(connection, people.alice.id)

    data = await client.query(DELETE, {"input": {"id": gid("Article", pk)}}, **people.alice.headers)

    assert data["deleteArticle"]["deletedId"] == gid("Article", pk)
    assert await connection.scalar(select(Article.id)) is None
