"""What the ``campus`` commands share: settings, a database per command, readable errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InvalidRequestError, OperationalError

from server.config import Settings, SettingsError
from server.db import migrate
from server.db.engine import Database
from server.seeding.seed import SeedError
from server.services.errors import ServiceError

__all__ = ["clear_errors", "display_url", "load_settings", "require_schema", "run"]

T = TypeVar("T")


def load_settings() -> Settings:
    """The settings from the environment, or a message saying which one is wrong."""
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


def run(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on a database of its own, disposed of afterwards."""

    async def on_own_database() -> T:
        try:
            database = Database(settings)
        except (ArgumentError, InvalidRequestError, ImportError) as error:
            raise click.ClickException(f"DATABASE_URL is not usable: {error}") from None
        try:
            return await work(database)
        finally:
            await database.dispose()

    with clear_errors(settings):
        return asyncio.run(on_own_database())


@contextmanager
def clear_errors(settings: Settings) -> Iterator[None]:
    """Turn the errors a user can fix into a message without a traceback."""
    try:
        yield
    except (SeedError, migrate.MigrationError) as error:
        raise click.ClickException(str(error)) from None
    except ServiceError as error:
        raise click.ClickException(_problems(error)) from None
    except (OperationalError, OSError) as error:
        detail = error.orig if isinstance(error, OperationalError) else error
        where = display_url(settings)
        raise click.ClickException(f"cannot use the database at {where}: {detail}") from None


async def require_schema(database: Database) -> None:
    if await migrate.current(database) is None:
        raise SeedError("the database has no schema yet: run `campus migrate` first")


def display_url(settings: Settings) -> str:
    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the configured database"


def _problems(error: ServiceError) -> str:
    return " ".join(problem.message for problem in error.problems)
