"""How a mutation runs: who asks, one transaction of its own, and what it answers.

A mutation resolver authenticates (``signed_in``/``admin``), decodes its
input's IDs, runs a service function in ``write`` and, on success, builds its
payload's objects and lets the loader ``attach`` whatever the client selected
under them. A ``ServiceError`` from any step becomes the payload's
``userErrors``, and nothing has been written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from schema.common.context import Context
from schema.common.errors import DatabaseUnavailableError, UnauthenticatedError
from schema.common.payloads import DeletePayload, UserError, UserErrorCode
from schema.engine import Loader, Node, decode_id_of, encode_id
from server.services.checks import KEEP, Keep
from server.services.errors import ServiceError, not_found
from server.services.permissions import Actor, require_admin

__all__ = [
    "Info",
    "admin",
    "attach",
    "decode",
    "decode_each",
    "decode_optional",
    "delete_node",
    "given",
    "link_payload",
    "node_payload",
    "or_none",
    "read",
    "signed_in",
    "user_errors",
    "write",
]

logger = logging.getLogger(__name__)

Info = strawberry.Info[Context, None]
T = TypeVar("T")
P = TypeVar("P")

ATTEMPTS = 3
"""How many times a write runs when PostgreSQL picks it to end a deadlock (or a conflict)."""
# deadlock_detected, serialization_failure: the database rolled the whole transaction back.
_RETRIED = frozenset({"40P01", "40001"})


async def signed_in(info: Info) -> Actor:
    """The viewer; without a valid token, an ``UNAUTHENTICATED`` error for the whole field."""
    viewer = await info.context.viewer()
    if viewer is None:
        raise UnauthenticatedError(
            info.context.token_problem
            or "Sign in first: this change needs an `Authorization: Bearer <token>` header."
        )
    return viewer.actor


async def admin(info: Info) -> Actor:
    """The viewer, who must be an admin: ``FORBIDDEN`` before any ID is looked at."""
    actor = await signed_in(info)
    require_admin(actor)
    return actor


async def write(info: Info, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in a write transaction of its own: all of it is committed, or nothing.

    A request cut off by its time budget while ``work`` runs does not wait
    for it; it then ends in the background and rolls back. A transaction
    PostgreSQL ends to break a deadlock runs again from the start (up to
    ``ATTEMPTS`` times in all): a cascaded delete updates the counters of
    rows in an order no service chooses, so a rival may lock them the other
    way round.
    """
    context = info.context

    async def transaction() -> T:
        # The reading session gives its connection back first: a request
        # holding one connection while it waits for another could starve the
        # pool when many write at once.
        await context.release_session()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with context.database.transaction() as session:
                    result = await work(session)
                    if context.cut_off:
                        raise asyncio.CancelledError("cut off before its commit")
                break
            except DBAPIError as error:
                if error.connection_invalidated:
                    # The database rolls back a transaction whose connection is gone.
                    raise DatabaseUnavailableError from error
                if attempt == ATTEMPTS or not _retried(error) or context.cut_off:
                    raise
                logger.info("Writing again (attempt %d): %s", attempt + 1, error.orig)
        await context.after_write()
        return result

    return await context.exclusive(transaction)


def _retried(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _RETRIED


async def read(info: Info, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` on the request's reading session, then give its connection back.

    For reads followed by something slow (hashing a password), which should
    not hold a connection meanwhile.
    """
    context = info.context

    async def reading() -> T:
        try:
            return await work(context.session)
        finally:
            await context.release_session()

    return await context.exclusive(reading)


def decode(type_name: str, global_id: str, *field: str) -> int:
    """The primary key of an input's ID; a malformed one, or another type's, is NOT_FOUND."""
    pk = decode_id_of(type_name, global_id)
    if pk is None:
        raise not_found(type_name.lower(), field)
    return pk


def decode_optional(type_name: str, global_id: str | None, field: str) -> int | None:
    """The primary key of an optional input ID: left out or null is None."""
    value = or_none(global_id)
    return None if value is None else decode(type_name, value, field)


def decode_each(type_name: str, global_ids: Sequence[str], field: str) -> list[int]:
    """The primary keys of a list of IDs; a bad one is NOT_FOUND by its index."""
    return [decode(type_name, global_id, field, str(i)) for i, global_id in enumerate(global_ids)]


def given(value: T) -> T | Keep:
    """An update input's field: ``UNSET`` (left out) keeps the stored value."""
    return KEEP if value is strawberry.UNSET else value


def or_none(value: T | None) -> T | None:
    """A create input's optional field: left out means the same as null."""
    return None if value is strawberry.UNSET else value


def user_errors(error: ServiceError) -> list[UserError]:
    """The service's problems, with fields as paths into the mutation's ``input``."""
    return [
        UserError(
            field=None if p.field is None else ["input", *map(to_camel_case, p.field)],
            message=p.message,
            code=UserErrorCode[p.code.name],
        )
        for p in error.problems
    ]


async def attach(info: Info, **nodes: Node) -> None:
    """Load what the client selected under each payload field given (by name)."""
    loader = Loader(info)
    for field, node in nodes.items():
        await loader.attach(type(node).__name__, [node], field)


async def node_payload(
    info: Info, payload: Callable[..., P], node_class: type[Node], change: Awaitable[Any]
) -> P:
    """The payload of a change to one node, under the field named as its type (``student``).

    ``change`` authorizes, decodes and writes, and returns the node's row.
    """
    try:
        row = await change
    except ServiceError as error:
        return payload(user_errors=user_errors(error))
    node = node_class.from_row(row)
    field = node_class.__strawberry_definition__.name.lower()  # type: ignore[attr-defined]
    await attach(info, **{field: node})
    return payload(**{field: node})


async def link_payload(
    info: Info, payload: Callable[..., P], change: Awaitable[Any], **nodes: type[Node]
) -> P:
    """The payload of a link made or removed: its two nodes, by field, and ``changed``.

    ``change`` authorizes, decodes and writes, and returns the rows by field.
    """
    try:
        result = await change
    except ServiceError as error:
        return payload(user_errors=user_errors(error))
    built = {field: cls.from_row(getattr(result, field)) for field, cls in nodes.items()}
    await attach(info, **built)
    return payload(**built, changed=result.changed)


async def delete_node(
    info: Info,
    type_name: str,
    global_id: str,
    delete: Callable[[AsyncSession, Actor, int], Awaitable[None]],
    *,
    who: Callable[[Info], Awaitable[Actor]] = signed_in,
) -> DeletePayload:
    """Delete what ``global_id`` names, as the viewer ``who`` requires (``admin``, ...)."""
    try:
        actor = await who(info)
        pk = decode(type_name, global_id, "id")
        await write(info, lambda session: delete(session, actor, pk))
    except ServiceError as error:
        return DeletePayload(user_errors=user_errors(error))
    return DeletePayload(deleted_id=strawberry.ID(encode_id(type_name, pk)))
