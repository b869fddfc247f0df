"""Generated text sent to every stored string input of every mutation, as an admin.

Text is drawn from all of Unicode (``tests.texts``): NUL, C0 and C1 controls,
combining marks, characters beyond U+FFFF, lone surrogates. On both back ends:
never a server error; an accepted value reads back exactly as sent; a refused
one is INVALID on its field (a 400 for a lone surrogate) and changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Article, Course, User, utcnow
from tests.people import People
from tests.rows import add_course, add_student, add_teacher, snapshot
from tests.support import GraphQLClient, gid
from tests.texts import LONE, PLAIN, SURROGATE, TEXTS, fuzz, post, refused


@dataclass(frozen=True)
class Text:
    """A stored string input: its mutation, payload field and limits."""

    mutation: str
    node: str  # the payload's field, and the node type lowercased
    field: str
    maximum: int | None
    multiline: bool = False

    @property
    def change(self) -> str:
        """The mutation, selecting the field back from its payload."""
        input_type = self.mutation[0].upper() + self.mutation[1:] + "Input"
        return (
            f"mutation Change($input: {input_type}!) {{ {self.mutation}(input: $input) {{"
            f" {self.node} {{ id {self.field} }} userErrors {{ field code message }} }} }}"
        )

    @property
    def read(self) -> str:
        """The field, read back by its node's ID."""
        fragment = f"... on {self.node.capitalize()} {{ {self.field} }}"
        return f"query Read($id: ID!) {{ node(id: $id) {{ {fragment} }} }}"


TEXT_INPUTS = [
    *(Text(m, "student", "name", 100) for m in ("createStudent", "updateStudent")),
    *(Text(m, "student", "grade", 20) for m in ("createStudent", "updateStudent")),
    *(Text(m, "course", "code", 20) for m in ("createCourse", "updateCourse")),
    *(Text(m, "course", "title", 200) for m in ("createCourse", "updateCourse")),
    *(Text(m, "teacher", "name", 100) for m in ("createTeacher", "updateTeacher")),
    *(Text(m, "teacher", "office", 20) for m in ("createTeacher", "updateTeacher")),
    *(Text(m, "article", "title", 200) for m in ("createArticle", "updateArticle")),
    *(Text(m, "article", "body", None, multiline=True) for m in ("createArticle", "updateArticle")),
    Text("updateViewer", "user", "displayName", 100),
    Text("signUp", "user", "displayName", 100),
]
REQUIRED: dict[str, dict[str, str]] = {
    "createStudent": {"name": "Sam"},
    "createCourse": {"title": "Title"},  # and a code of its own
    "createTeacher": {"name": "Ada"},
    "createArticle": {"title": "Title", "body": "Body"},
    "signUp": {"password": "correct horse"},  # and a username of its own
}
UNIQUE = {"createCourse": "code", "signUp": "username"}


@pytest.fixture
async def rows(connection: AsyncConnection, people: People) -> dict[str, int]:
    """One row of each kind for the updates to change; the article is the admin's."""
    article = insert(Article).values(
        title="Hello", body="Body", author_id=people.admin.id, created_at=utcnow()
    )
    return {
        "student": await add_student(connection, "Sam"),
        "course": await add_course(connection, "KEEP1"),
        "teacher": await add_teacher(connection, "Ada"),
        "article": (await connection.execute(article.returning(Article.id))).scalar_one(),
    }


async def _count(connection: AsyncConnection, node: str) -> int:
    model = Course if node == "course" else User
    return (await connection.execute(select(func.count()).select_from(model))).scalar_one()


async def _code_taken(connection: AsyncConnection, code: str, sent: dict[str, Any]) -> bool:
    """Whether a course other than the one updated has ``code``, as the database compares."""
    holders = await connection.scalars(select(Course.id).where(Course.code == code))
    return any(sent.get("id") != gid("Course", holder) for holder in holders)


def _values(text: Text) -> st.SearchStrategy[str]:
    """Any text, or one about as long as the field allows."""
    if text.maximum is None:
        return TEXTS
    near = st.text(PLAIN, min_size=text.maximum - 1, max_size=text.maximum + 1)
    return st.one_of(TEXTS, near)


@fuzz
@given(data=st.data())
async def test_every_stored_text_input(
    client: GraphQLClient,
    connection: AsyncConnection,
    people: People,
    rows: dict[str, int],
    data: st.DataObject,
) -> None:
    text = data.draw(st.sampled_from(TEXT_INPUTS))
    value = data.draw(_values(text))
    sent: dict[str, Any] = dict(REQUIRED.get(text.mutation, {}))
    if text.mutation.startswith("update") and text.node != "user":
        sent["id"] = gid(text.node.capitalize(), rows[text.node])
    if text.mutation in UNIQUE:  # a fresh code or username, unless it is the one drawn
        sent[UNIQUE[text.mutation]] = f"fresh{await _count(connection, text.node)}"
    sent[text.field] = value
    lone = SURROGATE.search(value) is not None
    rejected = lone or refused(value, maximum=text.maximum, multiline=text.multiline)
    taken = text.field == "code" and not rejected and await _code_taken(connection, value, sent)
    before = await snapshot(connection)

    status, body = await post(client, text.change, {"input": sent}, people.admin.headers)

    if lone:
        assert status == 400
        assert body["errors"][0]["message"].startswith(LONE), body
        assert await snapshot(connection) == before
        return
    payload = body["data"][text.mutation]
    if rejected:
        assert payload[text.node] is None
        [error] = payload["userErrors"]
        assert (error["field"], error["code"]) == (["input", text.field], "INVALID"), error
        assert await snapshot(connection) == before
    elif taken:
        assert [e["code"] for e in payload["userErrors"]] == ["CONFLICT"]
    else:
        assert payload["userErrors"] == []
        node = payload[text.node]
        assert node[text.field] == value
        read = await client.query(text.read, {"id": node["id"]})
        assert read["node"] == {text.field: value}
