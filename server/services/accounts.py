"""User accounts: sign-up, profile, password and deletion.

Password hashing is not done here: it is slow, so callers hash before they
open the write transaction (which on SQLite holds the database's write lock)
and hand the hash in. What may be checked before hashing is checked by
``check_new_account`` and ``check_new_password``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.db.models import Follow, Student, User, utcnow
from server.live import outbox as events
from server.services.checks import KEEP, Checks, Keep, normalize_username
from server.services.errors import conflict, invalid
from server.services.permissions import Actor, require_owner
from server.services.rows import fetch, fetch_for_delete, flush_unique, lock_in_order

__all__ = [
    "NewAccount",
    "ViewerRow",
    "active_user",
    "check_log_in",
    "check_new_account",
    "check_new_password",
    "create_user",
    "delete_user",
    "find_by_username",
    "get_user",
    "replace_password_hash",
    "update_profile",
]

DISPLAY_NAME_MAX = 100

ViewerRow = Row[int, str, str, dt.datetime, bool]
"""A user's public columns: id, username, display_name, created_at, is_admin."""
_TAKEN = "This username is taken."


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str


def check_new_account(*, username: str, password: str, display_name: str | None) -> NewAccount:
    """The normalized username and display name of a sign-up, if its values are valid."""
    checks = Checks()
    username = checks.username(username)
    checks.password(password)
    if display_name is not None:
        checks.text(display_name, "display_name", maximum=DISPLAY_NAME_MAX)
    checks.done()
    return NewAccount(username, username if display_name is None else display_name)


def check_log_in(username: str) -> str:
    """The normalized username a log-in names, if it is one line of text.

    The throttle stores it, so a NUL must not reach the database; and no
    username holds a control character, so nothing is lost by refusing them.
    """
    checks = Checks()
    checks.characters(username, "username")
    checks.done()
    return normalize_username(username)


def check_new_password(password: str, field: str) -> None:
    checks = Checks()
    checks.password(password, field)
    checks.done()


async def create_user(
    session: AsyncSession,
    account: NewAccount,
    *,
    password_hash: str,
    is_admin: bool = False,
) -> User:
    """A new user; CONFLICT when the username is taken."""
    if await session.scalar(select(User.id).where(User.username == account.username)):
        raise conflict(_TAKEN, ("username",))
    user = User(
        username=account.username,
        display_name=account.display_name,
        password_hash=password_hash,
        is_admin=is_admin,
        token_version=0,
    )
    session.add(user)
    await flush_unique(session, "users", "username", _TAKEN, ("username",))
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    return await fetch(session, User, user_id, None)


async def find_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == normalize_username(username)))


async def active_user(session: AsyncSession, user_id: int, token_version: int) -> ViewerRow | None:
    """The public columns of the user a token names, unless a later password change revoked it."""
    stmt = select(User.id, User.username, User.display_name, User.created_at, User.is_admin).where(
        User.id == user_id, User.token_version == token_version
    )
    return (await session.execute(stmt)).one_or_none()


async def update_profile(
    session: AsyncSession, actor: Actor, *, display_name: str | Keep | None = KEEP
) -> User:
    user = await fetch(session, User, actor.user_id, None, lock=True)
    checks = Checks()
    if display_name is not KEEP:
        user.display_name = checks.text(display_name, "display_name", maximum=DISPLAY_NAME_MAX)
    checks.done()
    await session.flush()
    return user


async def replace_password_hash(
    session: AsyncSession, user_id: int, *, old_hash: str, new_hash: str, revoke_tokens: bool
) -> User:
    """Store a new hash of the user's password, unless it changed since ``old_hash`` was read.

    ``revoke_tokens`` bumps the user's token version, so that every token
    issued before stops working (a password change); a rehash with new
    parameters keeps them.
    """
    user = await fetch(session, User, user_id, None, lock=True)
    if user.password_hash != old_hash:
        raise invalid("The password was changed meanwhile: sign in again.")
    user.password_hash = new_hash
    if revoke_tokens:
        user.token_version += 1
    await session.flush()
    return user


async def delete_user(session: AsyncSession, actor: Actor, user_id: int) -> None:
    """Delete the user; its articles and follows go with it, its student stays, unlinked.

    The database deletes the articles and follows (``ON DELETE CASCADE``);
    the student is loaded so that the ORM unlinks it.
    """
    # The student's row first, then the user's, as linkStudentUser locks them:
    # the two queue in one order instead of deadlocking.
    await session.execute(
        select(Student.id).where(Student.user_id == user_id).with_for_update(key_share=True)
    )
    # The cascade updates the counters of everyone the user follows or is
    # followed by: their rows are locked with the user's, in id order, as a
    # follow locks its pair, so that the two queue instead of deadlocking.
    linked = {pk for pair in await _follows(session, user_id) for pk in pair} - {user_id}
    await lock_in_order(session, User, sorted(pk for pk in linked if pk < user_id))
    user = await fetch_for_delete(
        session, User, user_id, ("id",), options=[selectinload(User.student)]
    )
    require_owner(actor, user.id, "account")
    await lock_in_order(session, User, sorted(pk for pk in linked if pk > user_id))
    # With the user's row locked no follow of it comes or goes any more; one that
    # did before is locked now (out of order: ``write`` runs again on a deadlock).
    pairs = await _follows(session, user_id)
    await lock_in_order(session, User, sorted({pk for pair in pairs for pk in pair} - linked))
    await session.delete(user)
    await session.flush()
    await events.follows_changed(session, events.REMOVED, pairs, utcnow())


async def _follows(session: AsyncSession, user_id: int) -> list[tuple[int, int]]:
    """(follower, followed) of every follow to or from the user."""
    follows = await session.execute(
        select(Follow.follower_id, Follow.followed_id)
        .where(or_(Follow.follower_id == user_id, Follow.followed_id == user_id))
        .order_by(Follow.follower_id, Follow.followed_id)
    )
    return [(follower, followed) for follower, followed in follows]
