"""Custom scalars."""

from __future__ import annotations

import datetime as dt

import strawberry

__all__ = ["DateTime"]


def _serialize(value: dt.datetime) -> str:
    utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return utc.isoformat().replace("+00:00", "Z")


def _parse(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string")
    try:
        if "\x00" in value:  # fromisoformat would stop at it and take what came before
            raise ValueError
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"Invalid DateTime {value!r}: expected ISO-8601, e.g. 2026-11-21T09:30:00Z"
        ) from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


DateTime = strawberry.scalar(
    name="DateTime",
    description="An ISO-8601 date-time in UTC, e.g. 2026-11-21T09:30:00Z.",
    serialize=_serialize,
    parse_value=_parse,
)
