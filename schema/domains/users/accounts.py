"""Mutations of accounts: signing up and in, the viewer's profile and password, deletion."""

from __future__ import annotations

import strawberry

from schema.common.payloads import DeleteInput, DeletePayload, UserError
from schema.common.writing import (
    Info,
    attach,
    delete_node,
    given,
    or_none,
    read,
    signed_in,
    user_errors,
    write,
)
from schema.domains.users.types import User
from server.db.models import User as UserRow
from server.services import accounts
from server.services.errors import ServiceError, invalid

__all__ = ["Mutation"]

_WRONG_CREDENTIALS = "Wrong username or password."


@strawberry.input
class SignUpInput:
    username: str
    password: str
    display_name: str | None = strawberry.UNSET


@strawberry.input
class LogInInput:
    username: str
    password: str


@strawberry.input
class UpdateViewerInput:
    display_name: str | None = strawberry.UNSET


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type
class AuthPayload:
    token: str | None = strawberry.field(
        default=None,
        description="Bearer token for the Authorization header; null on failure.",
    )
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _sign_up(info: Info, input: SignUpInput) -> AuthPayload:
    passwords = info.context.auth.passwords
    try:
        account = accounts.check_new_account(
            username=input.username,
            password=input.password,
            display_name=or_none(input.display_name),
        )
        password_hash = await passwords.hash(input.password)
        user = await write(
            info,
            lambda session: accounts.create_user(session, account, password_hash=password_hash),
        )
    except ServiceError as error:
        return AuthPayload(user_errors=user_errors(error))
    return await _signed_in_as(info, user)


async def _log_in(info: Info, input: LogInInput) -> AuthPayload:
    auth = info.context.auth
    try:
        username = accounts.check_log_in(input.username)
    except ServiceError as error:
        return AuthPayload(user_errors=user_errors(error))
    # Real usernames are at most 32 characters: a longer one is kept short in
    # the throttle's table, which it may occupy for a minute.
    throttled_as = username[:33]
    retry_after = await write(info, lambda session: auth.throttle.attempt(session, throttled_as))
    if retry_after is not None:
        message = f"Too many failed log-ins for this username: try again in {retry_after} s."
        return AuthPayload(user_errors=user_errors(invalid(message)))
    user = await read(info, lambda session: accounts.find_by_username(session, username))
    # Verified even for an unknown user (against a dummy hash): same answer, same time.
    stored = None if user is None else user.password_hash
    verified = await auth.passwords.verify(stored, input.password)
    if user is None or not verified:
        return AuthPayload(user_errors=user_errors(invalid(_WRONG_CREDENTIALS)))
    await write(info, lambda session: auth.throttle.succeeded(session, throttled_as))
    if auth.passwords.needs_rehash(user.password_hash):
        user = await _rehash(info, user, input.password)
    return await _signed_in_as(info, user)


async def _update_viewer(info: Info, input: UpdateViewerInput) -> AuthPayload:
    try:
        actor = await signed_in(info)
        user = await write(
            info,
            lambda session: accounts.update_profile(
                session, actor, display_name=given(input.display_name)
            ),
        )
    except ServiceError as error:
        return AuthPayload(user_errors=user_errors(error))
    return await _signed_in_as(info, user)


async def _change_password(info: Info, input: ChangePasswordInput) -> AuthPayload:
    auth = info.context.auth
    try:
        actor = await signed_in(info)
        accounts.check_new_password(input.new_password, "new_password")
        user = await read(info, lambda session: accounts.get_user(session, actor.user_id))
        # Guessing the current password with a stolen token is throttled like logIn.
        username = user.username
        retry_after = await write(info, lambda session: auth.throttle.attempt(session, username))
        if retry_after is not None:
            raise invalid(f"Too many wrong passwords: try again in {retry_after} s.")
        if not await auth.passwords.verify(user.password_hash, input.current_password):
            raise invalid("The current password is wrong.", ("current_password",))
        await write(info, lambda session: auth.throttle.succeeded(session, username))
        old_hash, new_hash = user.password_hash, await auth.passwords.hash(input.new_password)
        changed = await write(
            info,
            lambda session: accounts.replace_password_hash(
                session, actor.user_id, old_hash=old_hash, new_hash=new_hash, revoke_tokens=True
            ),
        )
    except ServiceError as error:
        return AuthPayload(user_errors=user_errors(error))
    return await _signed_in_as(info, changed)


async def _delete_user(info: Info, input: DeleteInput) -> DeletePayload:
    return await delete_node(info, "User", input.id, accounts.delete_user)


async def _rehash(info: Info, user: UserRow, password: str) -> UserRow:
    """Store the password hashed with today's parameters; keep the old hash if that fails."""
    new_hash = await info.context.auth.passwords.hash(password)
    try:
        return await write(
            info,
            lambda session: accounts.replace_password_hash(
                session,
                user.id,
                old_hash=user.password_hash,
                new_hash=new_hash,
                revoke_tokens=False,
            ),
        )
    except ServiceError:
        return user  # the password was changed meanwhile: nothing left to upgrade


async def _signed_in_as(info: Info, row: UserRow) -> AuthPayload:
    token = info.context.auth.tokens.issue(row.id, row.token_version)
    user = User.from_row(row)
    await attach(info, user=user)
    return AuthPayload(token=token, user=user)


@strawberry.type
class Mutation:
    sign_up = strawberry.mutation(
        resolver=_sign_up, description="Create an account and sign in to it."
    )
    log_in = strawberry.mutation(
        resolver=_log_in,
        description="Sign in: a token for the `Authorization: Bearer …` header.",
    )
    update_viewer = strawberry.mutation(
        resolver=_update_viewer, description="Change the viewer's own profile."
    )
    change_password = strawberry.mutation(
        resolver=_change_password,
        description=(
            "Change the viewer's password; every token issued before stops working"
            " and a new one is returned."
        ),
    )
    delete_user = strawberry.mutation(
        resolver=_delete_user,
        description="Delete a user with its follows and articles (the user itself, or an admin).",
    )
