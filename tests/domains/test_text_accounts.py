"""Generated text sent to the account mutations' usernames and passwords.

Each is refused by its own rule (a username is 3 to 32 of ``[a-z0-9_]``, a
password 8 to 128 characters, a log-in's username one line), never with a
server error; what is accepted signs in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import User
from tests.rows import snapshot
from tests.support import GraphQLClient
from tests.texts import SURROGATE, TEXTS, fuzz, has_control, post

PASSWORD = "correct horse"
ACCOUNT = """mutation Account($input: {kind}Input!) {{
  {field}(input: $input) {{ token user {{ username }} userErrors {{ field code message }} }}
}}"""


@dataclass
class Writer:
    """A signed-up user whose password the test changes: its current token and password."""

    token: str
    password: str = PASSWORD


@pytest.fixture
async def writer(client: GraphQLClient) -> Writer:
    data = await client.query(
        ACCOUNT.format(kind="SignUp", field="signUp"),
        {"input": {"username": "writer", "password": PASSWORD}},
    )
    return Writer(data["signUp"]["token"])


async def _account(
    client: GraphQLClient, mutation: str, sent: dict[str, str], token: str | None = None
) -> tuple[int, Any]:
    kind = mutation[0].upper() + mutation[1:]
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    status, body = await post(
        client, ACCOUNT.format(kind=kind, field=mutation), {"input": sent}, headers
    )
    return status, body if status == 400 else body["data"][mutation]


USERNAMES = st.from_regex(r"[A-Za-z0-9_]{3,32}", fullmatch=True)


@fuzz
@given(data=st.data())
async def test_every_account_text_input(
    client: GraphQLClient, connection: AsyncConnection, writer: Writer, data: st.DataObject
) -> None:
    """Usernames and passwords: refused by their own rules, never a server error."""
    mutation, field = data.draw(
        st.sampled_from(
            [
                ("signUp", "username"),
                ("signUp", "password"),
                ("logIn", "username"),
                ("logIn", "password"),
                ("changePassword", "currentPassword"),
                ("changePassword", "newPassword"),
            ]
        )
    )
    value = data.draw(st.one_of(TEXTS, USERNAMES) if field == "username" else TEXTS)
    fresh = f"fresh{await connection.scalar(select(func.count()).select_from(User))}"
    sent = {
        "signUp": {"username": fresh, "password": PASSWORD},
        "logIn": {"username": "writer", "password": "not the password"},
        "changePassword": {"currentPassword": writer.password, "newPassword": "another horse"},
    }[mutation] | {field: value}
    token = writer.token if mutation == "changePassword" else None
    username = sent.get("username", "").lower()
    taken = re.fullmatch(r"[a-z0-9_]{3,32}", username) and await connection.scalar(
        select(User.id).where(User.username == username)
    )
    before = await snapshot(connection)

    status, payload = await _account(client, mutation, sent, token)

    if SURROGATE.search(value):
        assert status == 400
        assert await snapshot(connection) == before
        return
    errors = [(e["field"], e["code"]) for e in payload["userErrors"]]
    if mutation == "signUp":
        valid = re.fullmatch(r"[a-z0-9_]{3,32}", username) and 8 <= len(sent["password"]) <= 128
        if not valid:
            assert errors == [(["input", field], "INVALID")]
            assert await snapshot(connection) == before
        elif taken:
            assert errors == [(["input", "username"], "CONFLICT")]
        else:
            assert payload["user"] == {"username": username}
            assert (await _account(client, "logIn", sent))[1]["token"] is not None
    elif mutation == "logIn":
        if field == "username" and has_control(value):
            assert errors == [(["input", "username"], "INVALID")]
        elif sent["password"] == writer.password:
            assert payload["token"] is not None
        else:
            assert errors == [(None, "INVALID")]
    elif any(e["message"].startswith("Too many") for e in payload["userErrors"]):
        assert errors == [(None, "INVALID")]  # guessing current passwords is throttled
    elif sent["currentPassword"] != writer.password:
        assert errors == [(["input", "currentPassword"], "INVALID")]
    elif not 8 <= len(sent["newPassword"]) <= 128:
        assert errors == [(["input", "newPassword"], "INVALID")]
    else:
        assert payload["token"] is not None
        writer.token, writer.password = payload["token"], sent["newPassword"]
