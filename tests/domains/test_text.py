"""What a valid text is: no NUL anywhere, one-line fields without control characters.

Every value is refused before anything is written, with an INVALID error on its
field, on both back ends alike; lengths are counted in characters everywhere.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import LoginFailure
from tests.people import LOG_IN, SIGN_UP, People
from tests.rows import add_teacher, snapshot
from tests.support import GraphQLClient, StatementCounter, gid

CREATE_TEACHER = """
mutation Create($input: CreateTeacherInput!) {
  createTeacher(input: $input) { teacher { id name office } userErrors { field message code } }
}
"""
UPDATE_TEACHER = """
mutation Update($input: UpdateTeacherInput!) {
  updateTeacher(input: $input) { teacher { name office } userErrors { field message code } }
}
"""
CREATE_ARTICLE = """
mutation Create($input: CreateArticleInput!) {
  createArticle(input: $input) { article { id title body } userErrors { field message code } }
}
"""
TEACHER = "query One($id: ID!) { node(id: $id) { ... on Teacher { name office } } }"
ARTICLE = "query One($id: ID!) { node(id: $id) { ... on Article { title body } } }"
# An emoji is one character (one code point) outside the Basic Multilingual Plane.
EMOJI = "\U0001f393"


def _refusal(payload: dict[str, Any]) -> list[tuple[list[str], str, str]]:
    return [(e["field"], e["code"], e["message"]) for e in payload["userErrors"]]


@pytest.mark.parametrize("name", ["\u0000ãힸ", "abc\u0000", "\u0000"])
async def test_a_nul_is_refused_before_any_sql(
    client: GraphQLClient,
    connection: AsyncConnection,
    people: People,
    counter: StatementCounter,
    name: str,
) -> None:
    before = await snapshot(connection)
    counter.statements.clear()

    data = await client.query(CREATE_TEACHER, {"input": {"name": name}}, **people.admin.headers)

    assert data["createTeacher"]["teacher"] is None
    assert _refusal(data["createTeacher"]) == [
        (["input", "name"], "INVALID", "Name may not contain the NUL character (U+0000).")
    ]
    # Only the viewer was read: the name never reached the database.
    assert [statement.split("FROM")[1].split()[0] for statement in counter.statements] == ["users"]
    assert await snapshot(connection) == before


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a\u0001b", "U+0001"),
        ("two\nlines", "U+000A"),
        ("tab\tbed", "U+0009"),
        ("carriage\rreturn", "U+000D"),
        ("unit\u001fseparator", "U+001F"),
        ("delete\u007f", "U+007F"),
        ("\u0080padding", "U+0080"),
        ("next\u0085line", "U+0085"),
        ("\u009fapplication", "U+009F"),
    ],
)
async def test_one_line_fields_refuse_control_characters(
    client: GraphQLClient, connection: AsyncConnection, people: People, text: str, found: str
) -> None:
    teacher = await add_teacher(connection, "Ada", office="B12")
    before = await snapshot(connection)

    data = await client.query(
        UPDATE_TEACHER,
        {"input": {"id": gid("Teacher", teacher), "name": text, "office": text}},
        **people.admin.headers,
    )

    one_line = (
        f"must be one line, without control characters such as line breaks or tabs: found {found}."
    )
    assert _refusal(data["updateTeacher"]) == [
        (["input", "name"], "INVALID", f"Name {one_line}"),
        (["input", "office"], "INVALID", f"Office {one_line}"),
    ]
    assert await snapshot(connection) == before


async def test_a_body_keeps_tabs_and_line_breaks_and_refuses_other_controls(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    body = "First line,\r\n\tindented;\nlast line.\n"
    data = await client.query(
        CREATE_ARTICLE, {"input": {"title": "Lines", "body": body}}, **people.alice.headers
    )
    article = data["createArticle"]["article"]
    assert article["body"] == body
    assert (await client.query(ARTICLE, {"id": article["id"]}))["node"]["body"] == body

    before = await snapshot(connection)
    for bad, found in [
        ("bell\u0007", "U+0007"),
        ("\u000bvertical", "U+000B"),
        ("\u0085", "U+0085"),
    ]:
        data = await client.query(
            CREATE_ARTICLE, {"input": {"title": "T", "body": bad}}, **people.alice.headers
        )
        message = (
            "Body may contain tabs and line breaks, but no other control characters:"
            f" found {found}."
        )
        assert _refusal(data["createArticle"]) == [(["input", "body"], "INVALID", message)]
    data = await client.query(
        CREATE_ARTICLE, {"input": {"title": "T", "body": "a\u0000\n"}}, **people.alice.headers
    )
    assert _refusal(data["createArticle"]) == [
        (["input", "body"], "INVALID", "Body may not contain the NUL character (U+0000).")
    ]
    assert await snapshot(connection) == before


@pytest.mark.parametrize(
    "text",
    [
        "Zoë Ångström",
        "e\u0301\u0302 combining marks",
        f"{EMOJI} and \U0001d518\U0001d52b\U0001d526 (astral letters)",
        "no-break\u00a0space, soft\u00adhyphen",
        "\ufdfa \u202eright-to-left\u202d \u4e2d\u6587",
    ],
)
async def test_any_other_text_reads_back_as_sent(
    client: GraphQLClient, people: People, text: str
) -> None:
    data = await client.query(CREATE_TEACHER, {"input": {"name": text}}, **people.admin.headers)

    teacher = data["createTeacher"]["teacher"]
    assert data["createTeacher"]["userErrors"] == []
    assert teacher["name"] == text
    assert (await client.query(TEACHER, {"id": teacher["id"]}))["node"]["name"] == text


async def test_lengths_count_characters_on_both_back_ends(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    longest = {"name": EMOJI * 100, "office": EMOJI * 20}
    data = await client.query(CREATE_TEACHER, {"input": longest}, **people.admin.headers)
    teacher = data["createTeacher"]["teacher"]
    assert data["createTeacher"]["userErrors"] == []
    node = (await client.query(TEACHER, {"id": teacher["id"]}))["node"]
    assert node == longest

    before = await snapshot(connection)
    too_long = {"name": EMOJI * 101, "office": EMOJI * 21}
    data = await client.query(CREATE_TEACHER, {"input": too_long}, **people.admin.headers)
    assert _refusal(data["createTeacher"]) == [
        (["input", "name"], "INVALID", "Name may have at most 100 characters."),
        (["input", "office"], "INVALID", "Office may have at most 20 characters."),
    ]
    assert await snapshot(connection) == before


async def _failures(connection: AsyncConnection) -> int:
    return (await connection.execute(select(func.count()).select_from(LoginFailure))).scalar_one()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ad\u0000min", "Username may not contain the NUL character (U+0000)."),
        (
            "admin\n",
            "Username must be one line, without control characters such as line breaks"
            " or tabs: found U+000A.",
        ),
    ],
)
async def test_a_log_in_name_with_a_control_character_never_reaches_the_throttle(
    client: GraphQLClient, connection: AsyncConnection, username: str, message: str
) -> None:
    data = await client.query(LOG_IN, {"input": {"username": username, "password": "whatever"}})

    assert data["logIn"]["token"] is None
    assert _refusal(data["logIn"]) == [(["input", "username"], "INVALID", message)]
    assert await _failures(connection) == 0


async def test_sign_up_refuses_a_nul_in_either_name(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    before = await snapshot(connection)
    account = {"username": "grace\u0000", "password": "correct horse", "displayName": "G\u0000"}

    data = await client.query(SIGN_UP, {"input": account})

    assert [(e["field"], e["code"]) for e in data["signUp"]["userErrors"]] == [
        (["input", "username"], "INVALID"),
        (["input", "displayName"], "INVALID"),
    ]
    assert await snapshot(connection) == before
