"""The viewer's own account: updateViewer, changePassword (revoking earlier tokens), deleteUser."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Article, Follow, Student, User, utcnow
from tests.people import LOG_IN, VIEWER, People, authorization, sign_up
from tests.rows import add_student, snapshot
from tests.support import GraphQLClient, gid, user_errors

UPDATE_VIEWER = """
mutation Update($input: UpdateViewerInput!) {
  updateViewer(input: $input) { token user { displayName } userErrors { field message code } }
}
"""
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { token user { username } userErrors { field message code } }
}
"""
DELETE_USER = """
mutation Delete($input: DeleteInput!) {
  deleteUser(input: $input) { deletedId userErrors { field message code } }
}
"""


# ------------------------------------------------------------- the viewer


async def test_update_viewer_changes_only_what_is_given(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    renamed = await client.query(
        UPDATE_VIEWER, {"input": {"displayName": "Alice L."}}, **people.alice.headers
    )
    unchanged = await client.query(UPDATE_VIEWER, {"input": {}}, **people.alice.headers)

    assert renamed["updateViewer"]["user"] == {"displayName": "Alice L."}
    assert renamed["updateViewer"]["token"]
    assert unchanged["updateViewer"]["user"] == {"displayName": "Alice L."}

    before = await snapshot(connection)
    for value in (None, "", "d" * 101):
        data = await client.query(
            UPDATE_VIEWER, {"input": {"displayName": value}}, **people.alice.headers
        )
        assert user_errors(data["updateViewer"]) == [(["input", "displayName"], "INVALID")]
    assert await snapshot(connection) == before


async def test_change_password_revokes_every_earlier_token(client: GraphQLClient) -> None:
    first = await sign_up(client, "grace", "old password")
    second = (
        await client.query(LOG_IN, {"input": {"username": "grace", "password": "old password"}})
    )["logIn"]["token"]

    data = await client.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": "old password", "newPassword": "new password"}},
        **authorization(first),
    )

    fresh = data["changePassword"]["token"]
    assert data["changePassword"]["user"] == {"username": "grace"}
    for old in (first, second):
        assert await client.query(VIEWER, {}, **authorization(old)) == {"viewer": None}
        body = await client.execute(UPDATE_VIEWER, {"input": {}}, **authorization(old))
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert (await client.query(VIEWER, {}, **authorization(fresh)))["viewer"]["username"] == "grace"
    old_login = await client.query(
        LOG_IN, {"input": {"username": "grace", "password": "old password"}}
    )
    new_login = await client.query(
        LOG_IN, {"input": {"username": "grace", "password": "new password"}}
    )
    assert user_errors(old_login["logIn"]) == [(None, "INVALID")]
    assert new_login["logIn"]["userErrors"] == []


async def test_guessing_the_current_password_is_throttled(client: GraphQLClient) -> None:
    token = await sign_up(client, "grace", "old password")
    guess = {"currentPassword": "a guess", "newPassword": "new password"}
    for _ in range(10):
        data = await client.query(CHANGE_PASSWORD, {"input": guess}, **authorization(token))
        assert user_errors(data["changePassword"]) == [(["input", "currentPassword"], "INVALID")]

    right = {"currentPassword": "old password", "newPassword": "new password"}
    data = await client.query(CHANGE_PASSWORD, {"input": right}, **authorization(token))

    [error] = data["changePassword"]["userErrors"]
    assert error["message"].startswith("Too many wrong passwords")
    assert data["changePassword"]["token"] is None


async def test_change_password_checks_both_passwords(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    token = await sign_up(client, "grace", "old password")
    before = await snapshot(connection)
    cases = [
        ({"currentPassword": "not it", "newPassword": "new password"}, "currentPassword"),
        ({"currentPassword": "old password", "newPassword": "short"}, "newPassword"),
    ]
    for values, field in cases:
        data = await client.query(CHANGE_PASSWORD, {"input": values}, **authorization(token))
        assert data["changePassword"]["token"] is None
        assert user_errors(data["changePassword"]) == [(["input", field], "INVALID")]
    assert await snapshot(connection) == before
    assert (await client.query(VIEWER, {}, **authorization(token)))["viewer"] is not None


# ---------------------------------------------------------------- delete


async def test_deleting_a_user_takes_its_articles_and_follows_and_unlinks_its_student(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    alice, bob = people.alice.id, people.bob.id
    student = await add_student(connection, "Alice's profile", user_id=alice)
    await connection.execute(
        insert(Follow),
        [
            {"follower_id": alice, "followed_id": bob, "created_at": utcnow()},
            {"follower_id": bob, "followed_id": alice, "created_at": utcnow()},
        ],
    )
    await connection.execute(
        insert(Article),
        [
            {"title": "A", "body": "a", "author_id": alice, "created_at": utcnow()},
            {"title": "B", "body": "b", "author_id": bob, "created_at": utcnow()},
        ],
    )

    data = await client.query(
        DELETE_USER, {"input": {"id": people.alice.gid}}, **people.alice.headers
    )

    assert data["deleteUser"] == {"deletedId": people.alice.gid, "userErrors": []}
    assert await connection.scalar(select(func.count()).select_from(Follow)) == 0
    assert (await connection.scalars(select(Article.title))).all() == ["B"]
    assert await connection.scalar(select(Student.user_id).where(Student.id == student)) is None
    body = await client.execute(UPDATE_VIEWER, {"input": {}}, **people.alice.headers)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("who", "target", "code"),
    [("bob", "alice", "FORBIDDEN"), ("bob", "nobody", "NOT_FOUND"), ("admin", "alice", None)],
)
async def test_delete_user_is_for_oneself_or_an_admin(
    client: GraphQLClient,
    connection: AsyncConnection,
    people: People,
    who: str,
    target: str,
    code: str | None,
) -> None:
    target_id = people.alice.gid if target == "alice" else gid("User", 999_999)
    before = await snapshot(connection)

    data = await client.query(
        DELETE_USER, {"input": {"id": target_id}}, **getattr(people, who).headers
    )

    if code is None:
        assert data["deleteUser"] == {"deletedId": target_id, "userErrors": []}
        assert await connection.scalar(select(User.id).where(User.id == people.alice.id)) is None
    else:
        assert data["deleteUser"]["deletedId"] is None
        assert [e["code"] for e in data["deleteUser"]["userErrors"]] == [code]
        assert await snapshot(connection) == before
