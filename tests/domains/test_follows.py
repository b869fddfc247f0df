"""follow and unfollow: the Follow association object, as the viewer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Follow
from tests.people import People
from tests.rows import snapshot
from tests.support import GraphQLClient, gid

FOLLOW = """
mutation Follow($userId: ID!) {
  follow(input: {userId: $userId}) {
    changed
    follower { username following { edges { followedAt node { username } } } }
    followed { username followers { totalCount nodes { username } } isFollowedBy(userId: $userId) }
    userErrors { field message code }
  }
}
"""
UNFOLLOW = """
mutation Unfollow($userId: ID!) {
  unfollow(input: {userId: $userId}) {
    changed
    follower { username following { totalCount } }
    followed { username followers { totalCount } }
    userErrors { field message code }
  }
}
"""


async def _follows(connection: AsyncConnection) -> list[tuple[int, int]]:
    rows = await connection.execute(
        select(Follow.follower_id, Follow.followed_id).order_by(Follow.follower_id)
    )
    return [(a, b) for a, b in rows]


async def test_follow_creates_the_association_once_and_keeps_its_time(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    first = await client.query(FOLLOW, {"userId": people.bob.gid}, **people.alice.headers)
    second = await client.query(FOLLOW, {"userId": people.bob.gid}, **people.alice.headers)

    payload = first["follow"]
    assert payload["changed"] is True
    assert payload["userErrors"] == []
    [edge] = payload["follower"]["following"]["edges"]
    assert edge["node"] == {"username": "bob"}
    assert edge["followedAt"].endswith("Z")
    assert payload["followed"] == {
        "username": "bob",
        "followers": {"totalCount": 1, "nodes": [{"username": "alice"}]},
        "isFollowedBy": False,  # bob is not followed by bob
    }
    assert second["follow"]["changed"] is False
    assert second["follow"]["follower"]["following"]["edges"] == [edge]
    assert await _follows(connection) == [(people.alice.id, people.bob.id)]


async def test_unfollow_deletes_the_association_once(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    await client.query(FOLLOW, {"userId": people.bob.gid}, **people.alice.headers)
    await client.query(FOLLOW, {"userId": people.alice.gid}, **people.bob.headers)

    first = await client.query(UNFOLLOW, {"userId": people.bob.gid}, **people.alice.headers)
    second = await client.query(UNFOLLOW, {"userId": people.bob.gid}, **people.alice.headers)

    assert first["unfollow"] == {
        "changed": True,
        "follower": {"username": "alice", "following": {"totalCount": 0}},
        "followed": {"username": "bob", "followers": {"totalCount": 0}},
        "userErrors": [],
    }
    assert second["unfollow"]["changed"] is False
    assert second["unfollow"]["userErrors"] == []
    assert await _follows(connection) == [(people.bob.id, people.alice.id)]


async def test_following_oneself_or_nobody_changes_nothing(
    client: GraphQLClient, connection: AsyncConnection, people: People
) -> None:
    before = await snapshot(connection)
    cases = [
        (people.alice.gid, "INVALID"),
        (gid("User", 999_999), "NOT_FOUND"),
        (gid("Student", people.bob.id), "NOT_FOUND"),
        ("garbage", "NOT_FOUND"),
    ]
    for document in (FOLLOW, UNFOLLOW):
        for user_id, code in cases:
            data = await client.query(document, {"userId": user_id}, **people.alice.headers)
            [payload] = data.values()
            assert (payload["follower"], payload["followed"], payload["changed"]) == (
                None,
                None,
                False,
            )
            assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
                (["input", "userId"], code)
            ]
    assert await snapshot(connection) == before
