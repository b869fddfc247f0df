"""Finding the rows a change names, and flushing it with the database's rules as a backstop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from server.db.models import Base, Course
from server.services.errors import FieldPath, conflict, invalid, not_found

__all__ = [
    "MAX_IDS",
    "fetch",
    "fetch_courses",
    "fetch_for_delete",
    "flush_unique",
    "lock_in_order",
]

M = TypeVar("M", bound=Base)

MAX_IDS = 1000
"""The most IDs one list argument may name: past that, a bound parameter list is not sane."""

# Arguments of ``with_for_update``; SQLite ignores them.
_NO_KEY_UPDATE = {"key_share": True}
_KEY_SHARE = {"read": True, "key_share": True}


async def fetch(
    session: AsyncSession,
    model: type[M],
    pk: int,
    field: FieldPath | None,
    *,
    lock: bool = False,
    referenced: bool = False,
    options: Sequence[ORMOption] = (),
) -> M:
    """The row ``pk`` names, or NOT_FOUND on ``field``.

    ``lock`` takes the row's write lock first so that writers of the same row
    queue up; SQLite has no row locks, but there the writer's ``BEGIN
    IMMEDIATE`` has serialized every writer already. The lock is ``FOR NO KEY
    UPDATE``, not ``FOR UPDATE``: inserting a link key-share-locks the other
    row it references, and A following B while B follows A would otherwise
    deadlock.

    ``referenced`` is for a row the change will point at or unlink from (the
    course to enroll in, the user to follow): ``FOR KEY SHARE`` keeps it from
    being deleted until the transaction ends, so that a rival's delete makes
    it NOT_FOUND here rather than a foreign-key violation at the flush.
    """
    row_lock = _NO_KEY_UPDATE if lock else _KEY_SHARE if referenced else None
    found = await session.get(model, pk, options=options, with_for_update=row_lock)
    if found is None:
        raise not_found(model.__name__.lower(), field)
    return found


async def lock_in_order(session: AsyncSession, model: type[M], pks: Sequence[int]) -> dict[int, M]:
    """The rows ``pks`` name (those that exist), locked as ``fetch`` locks, in id order.

    For a change whose triggers update several rows (the counters of both
    users a follow links): writers that lock the rows they share in one order
    queue up instead of deadlocking. PostgreSQL locks the rows in the order
    the ORDER BY gives them.
    """
    if not pks:
        return {}
    stmt = (
        select(model)
        .where(model.id.in_(pks))  # type: ignore[attr-defined]
        .order_by(model.id)  # type: ignore[attr-defined]
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as fetch(lock=True)
    )
    return {row.id: row for row in await session.scalars(stmt)}  # type: ignore[attr-defined]


async def fetch_for_delete(
    session: AsyncSession,
    model: type[M],
    pk: int,
    field: FieldPath | None,
    *,
    options: Sequence[ORMOption] = (),
) -> M:
    """The row ``pk`` names, locked ``FOR UPDATE``, or NOT_FOUND on ``field``.

    Unlike the writers' ``FOR NO KEY UPDATE``, this lock also waits for (and
    then holds off) the ``FOR KEY SHARE`` of a rival adding a link to the row:
    the links a delete reads next are exactly those its cascade removes.
    """
    found = await session.get(model, pk, options=options, with_for_update=True)
    if found is None:
        raise not_found(model.__name__.lower(), field)
    return found


async def fetch_courses(session: AsyncSession, pks: Sequence[int], field: str) -> list[Course]:
    """The courses named, each once, in the order first named; NOT_FOUND names the first missing.

    They are to be linked to: each is read ``referenced`` (see ``fetch``).
    """
    if len(pks) > MAX_IDS:
        raise invalid(f"At most {MAX_IDS} course IDs may be given at once.", (field,))
    wanted = list(dict.fromkeys(pks))
    if not wanted:
        return []
    stmt = select(Course).where(Course.id.in_(wanted)).with_for_update(read=True, key_share=True)
    found = {c.id: c for c in await session.scalars(stmt)}
    for index, pk in enumerate(pks):
        if pk not in found:
            raise not_found("course", (field, str(index)))
    return [found[pk] for pk in wanted]


async def flush_unique(
    session: AsyncSession, table: str, column: str, message: str, field: FieldPath
) -> None:
    """Flush; a violated unique rule on ``table.column`` is a CONFLICT.

    Callers check uniqueness before writing; this catches the writer that
    got in between the check and the flush.
    """
    try:
        await session.flush()
    except IntegrityError as error:
        if _names(error, table, column):
            raise conflict(message, field) from error
        raise


def _names(error: IntegrityError, table: str, column: str) -> bool:
    # PostgreSQL names the constraint (``uq_<table>_<column>`` by the models'
    # naming convention), SQLite the column (``<table>.<column>``).
    text = str(error.orig)
    return f"uq_{table}_{column}" in text or f"{table}.{column}" in text
