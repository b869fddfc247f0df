"""signUp and logIn: what is stored and what refused, throttling, and what hashing costs."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database
from server.db.models import User
from server.http.app import create_app
from server.security.auth import Passwords
from tests.people import LOG_IN, SIGN_UP, VIEWER, People, add_user, authorization, bearer, sign_up
from tests.rows import snapshot
from tests.support import GraphQLClient, user_errors

# -------------------------------------------------------------- sign up / in


async def test_sign_up_stores_only_a_hash_and_signs_in(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    data = await client.query(
        SIGN_UP,
        {"input": {"username": "Grace_H", "password": "correct horse", "displayName": "Grace"}},
    )

    payload = data["signUp"]
    assert payload["userErrors"] == []
    assert payload["user"]["username"] == "grace_h"
    assert payload["user"]["displayName"] == "Grace"
    assert payload["user"]["isAdmin"] is False
    assert await client.query(VIEWER, {}, **authorization(payload["token"])) == {
        "viewer": {"username": "grace_h", "displayName": "Grace"}
    }
    stored = await connection.scalar(select(User.password_hash).where(User.username == "grace_h"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


async def test_sign_up_without_display_name_uses_the_username(client: GraphQLClient) -> None:
    data = await client.query(SIGN_UP, {"input": {"username": "ada", "password": "12345678"}})

    assert data["signUp"]["user"]["displayName"] == "ada"


async def test_sign_up_refuses_bad_values_and_taken_names(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    before = await snapshot(connection)
    cases: list[tuple[dict[str, str], list[tuple[list[str] | None, str]]]] = [
        ({"username": "ALICE", "password": "12345678"}, [(["input", "username"], "CONFLICT")]),
        ({"username": "ab", "password": "12345678"}, [(["input", "username"], "INVALID")]),
        ({"username": "a" * 33, "password": "12345678"}, [(["input", "username"], "INVALID")]),
        ({"username": "no-dash", "password": "12345678"}, [(["input", "username"], "INVALID")]),
        ({"username": "émile", "password": "12345678"}, [(["input", "username"], "INVALID")]),
        ({"username": "ok_name", "password": "1234567"}, [(["input", "password"], "INVALID")]),
        ({"username": "ok_name", "password": "p" * 129}, [(["input", "password"], "INVALID")]),
        (
            {"username": "x", "password": "short", "displayName": ""},
            [
                (["input", "username"], "INVALID"),
                (["input", "password"], "INVALID"),
                (["input", "displayName"], "INVALID"),
            ],
        ),
    ]
    for values, expected in cases:
        data = await client.query(SIGN_UP, {"input": values})
        assert (data["signUp"]["token"], data["signUp"]["user"]) == (None, None)
        assert user_errors(data["signUp"]) == expected, values
    assert await snapshot(connection) == before


async def test_log_in_with_the_right_password_only(client: GraphQLClient) -> None:
    await sign_up(client, "grace", "correct horse")

    good = await client.query(LOG_IN, {"input": {"username": "GRACE", "password": "correct horse"}})
    wrong = await client.query(LOG_IN, {"input": {"username": "grace", "password": "wrong one"}})
    unknown = await client.query(
        LOG_IN, {"input": {"username": "nobody", "password": "correct horse"}}
    )

    assert good["logIn"]["user"] == {"username": "grace"}
    assert await client.query(VIEWER, {}, **authorization(good["logIn"]["token"])) == {
        "viewer": {"username": "grace", "displayName": "grace"}
    }
    # An unknown user and a wrong password are told apart by nothing.
    assert wrong == unknown
    assert wrong["logIn"] == {
        "token": None,
        "user": None,
        "userErrors": [
            {"field": None, "message": "Wrong username or password.", "code": "INVALID"}
        ],
    }


async def test_a_hash_with_other_parameters_is_upgraded_at_log_in(
    client: GraphQLClient, connection: AsyncConnection, settings: Settings
) -> None:
    """The suite hashes with CHEAPEST; a hash made with the default profile is replaced."""
    old = await Passwords("RFC_9106_LOW_MEMORY").hash("correct horse")
    user = await add_user(connection, "grace", password_hash=old)
    headers = bearer(settings, user)

    credentials = {"input": {"username": "grace", "password": "correct horse"}}
    data = await client.query(LOG_IN, credentials)

    assert data["logIn"]["userErrors"] == []
    new = await connection.scalar(select(User.password_hash).where(User.id == user))
    assert new is not None
    assert new != old
    assert "m=8," in new  # CHEAPEST's memory cost
    again = await client.query(LOG_IN, credentials)
    assert again["logIn"]["userErrors"] == []
    # Not a password change: earlier tokens keep working.
    assert (await client.query(VIEWER, {}, **headers))["viewer"]["username"] == "grace"


async def test_log_in_takes_as_long_for_an_unknown_user_as_for_a_wrong_password(
    settings: Settings, database: Database
) -> None:
    slow = replace(settings, password_profile="RFC_9106_LOW_MEMORY")
    transport = httpx.ASGITransport(app=create_app(slow, database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        client = GraphQLClient(http)
        await sign_up(client, "grace", "correct horse")

        async def fastest(username: str) -> float:
            times = []
            for _ in range(3):
                started = time.perf_counter()
                await client.query(LOG_IN, {"input": {"username": username, "password": "nope"}})
                times.append(time.perf_counter() - started)
            return min(times)

        wrong_password = await fastest("grace")
        unknown_user = await fastest("nobody")

    assert unknown_user > wrong_password / 2


async def test_generated_users_cannot_log_in(client: GraphQLClient, people: People) -> None:
    data = await client.query(LOG_IN, {"input": {"username": "alice", "password": "!"}})

    assert user_errors(data["logIn"]) == [(None, "INVALID")]


async def test_log_in_is_throttled_per_username_after_ten_failures(client: GraphQLClient) -> None:
    await sign_up(client, "grace", "correct horse")
    await sign_up(client, "ada", "correct horse")
    wrong = {"input": {"username": "grace", "password": "wrong guess"}}
    for _ in range(10):
        data = await client.query(LOG_IN, wrong)
        assert data["logIn"]["userErrors"][0]["message"] == "Wrong username or password."

    throttled = await client.query(
        LOG_IN, {"input": {"username": "Grace", "password": "correct horse"}}
    )
    other = await client.query(LOG_IN, {"input": {"username": "ada", "password": "correct horse"}})

    [error] = throttled["logIn"]["userErrors"]
    assert throttled["logIn"]["token"] is None
    assert (error["field"], error["code"]) == (None, "INVALID")
    assert error["message"].startswith("Too many failed log-ins for this username: try again in")
    assert other["logIn"]["userErrors"] == []


async def test_hashing_does_not_stall_the_event_loop() -> None:
    """While a real (slow) hash runs, other tasks keep running."""
    passwords = Passwords("RFC_9106_LOW_MEMORY")
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    hashed = await passwords.hash("correct horse")
    took = time.perf_counter() - started
    ticker.cancel()

    assert await passwords.verify(hashed, "correct horse")
    assert len(gaps) > 3
    assert max(gaps) < took / 2


async def test_an_unknown_user_is_checked_against_a_dummy_hash() -> None:
    """An unknown user, or one without a usable hash, costs a verification all the same."""
    passwords = Passwords("RFC_9106_LOW_MEMORY")
    real = await passwords.hash("correct horse")

    async def fastest(stored: str | None) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert await passwords.verify(stored, "wrong guess") is False
            times.append(time.perf_counter() - started)
        return min(times)

    wrong = await fastest(real)
    assert await fastest(None) > wrong / 3
    assert await fastest("!") > wrong / 3
