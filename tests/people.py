"""Users for tests of the write side: who they are, and how they sign in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.models import User, utcnow
from server.security.auth import Tokens
from server.security.secret_key import secret_key
from server.seeding.dataset import NO_PASSWORD
from tests.support import GraphQLClient, gid

__all__ = [
    "LOG_IN",
    "SIGN_UP",
    "VIEWER",
    "People",
    "Person",
    "add_people",
    "add_user",
    "authorization",
    "bearer",
    "sign_up",
]

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    token
    user { id username displayName isAdmin articles { totalCount } }
    userErrors { field message code }
  }
}
"""
LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { token user { username } userErrors { field message code } }
}
"""
VIEWER = "{ viewer { username displayName } }"


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    headers: dict[str, str]

    @property
    def gid(self) -> str:
        return gid("User", self.id)


@dataclass(frozen=True)
class People:
    admin: Person
    alice: Person
    bob: Person


def bearer(settings: Settings, user_id: int, version: int = 0) -> dict[str, str]:
    """The headers of a request signed in as the user."""
    token = Tokens(secret_key(settings), settings.token_ttl_seconds).issue(user_id, version)
    return authorization(token)


def authorization(token: str) -> dict[str, str]:
    """The headers of a request that presents this token."""
    return {"Authorization": f"Bearer {token}"}


async def sign_up(client: GraphQLClient, username: str, password: str) -> str:
    """The token signUp answers for a new user."""
    data = await client.query(SIGN_UP, {"input": {"username": username, "password": password}})
    token: str = data["signUp"]["token"]
    return token


async def add_user(
    connection: AsyncConnection,
    username: str,
    *,
    is_admin: bool = False,
    password_hash: str = NO_PASSWORD,
) -> int:
    """A user inserted directly; it can only sign in if given a real password hash."""
    stmt = insert(User).values(
        username=username,
        display_name=username.title(),
        password_hash=password_hash,
        is_admin=is_admin,
        token_version=0,
        created_at=utcnow(),
    )
    result = await connection.execute(stmt.returning(User.id))
    return result.scalar_one()


async def add_people(connection: AsyncConnection, settings: Settings) -> People:
    async def person(username: str, is_admin: bool = False) -> Person:
        user_id = await add_user(connection, username, is_admin=is_admin)
        return Person(user_id, username, bearer(settings, user_id))

    return People(
        admin=await person("admin", True), alice=await person("alice"), bob=await person("bob")
    )
