"""Finding the rows a change names, and flushing it with the database's rules as a backstop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from server.models import Base, Course
from server.services.errors import FieldPath, conflict, invalid, not_found

__all__ = ["MAX_IDS", "fetch", "fetch_courses", "flush_unique"]

M = TypeVar("M", bound=Base)

MAX_IDS = 1000
"""The most IDs one list argument may name: past that, a bound parameter list is not sane."""


async def fetch(
    session: AsyncSession,
    model: type[M],
    pk: int,
    field: FieldPath | None,
    *,
    lock: bool = False,
    options: Sequence[ORMOption] = (),
) -> M:
    """The row ``pk`` names, or NOT_FOUND on ``field``.

    ``lock`` takes the row's write lock first so that writers of the same row
    queue up; SQLite has no row locks, but there the writer's ``BEGIN
    IMMEDIATE`` has serialized every writer already. The lock is ``FOR NO KEY
    UPDATE``, not ``FOR UPDATE``: inserting a link key-share-locks the other
    row it references, and A following B while B follows A would otherwise
    deadlock.
    """
    found = await session.get(
        model, pk, options=options, with_for_update={"key_share": True} if lock else None
    )
    if found is None:
        raise not_found(model.__name__.lower(), field)
    return found


async def fetch_courses(session: AsyncSession, pks: Sequence[int], field: str) -> list[Course]:
    """The courses named, each once, in the order first named; NOT_FOUND names the first missing."""
    if len(pks) > MAX_IDS:
        raise invalid(f"At most {MAX_IDS} course IDs may be given at once.", (field,))
    wanted = list(dict.fromkeys(pks))
    if not wanted:
        return []
    found = {c.id: c for c in await session.scalars(select(Course).where(Course.id.in_(wanted)))}
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
