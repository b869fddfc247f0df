"""The ``campus`` command: serve, migrate, seed, check, create an admin, the schema, documents."""

from __future__ import annotations

import atexit
import logging
import logging.config
import os
import secrets
import shutil
import tempfile

import click

from server.cli import serving
from server.cli.documents import documents
from server.cli.support import clear_errors as _clear_errors
from server.cli.support import display_url as _display_url
from server.cli.support import load_settings as _settings
from server.cli.support import require_schema as _require_schema
from server.cli.support import run as _run
from server.config import Settings, SettingsError
from server.db import counters, migrate
from server.db.engine import Database
from server.observability.logs import logging_config
from server.security.auth import Passwords
from server.security.secret_key import ensure_secret_key
from server.seeding.seed import DEMO_ADMIN, Loaded, load_demo, seed
from server.services import accounts

__all__ = ["main"]

APP_FACTORY = "server.http.app:create_app"


@click.group()
def main() -> None:
    """Campus GraphQL: an async GraphQL server over a campus data set."""


main.add_command(documents)


@main.command("migrate")
@click.option("--revision", default="head", show_default=True, help="Revision to upgrade to.")
def migrate_command(revision: str) -> None:
    """Upgrade the database schema."""

    async def work(database: Database) -> tuple[str | None, str | None]:
        before = await migrate.current(database)
        await migrate.upgrade(database, revision)
        return before, await migrate.current(database)

    settings = _settings()
    before, after = _run(settings, work)
    where = _display_url(settings)
    if before == after:
        click.echo(f"{where} is already at revision {after}.")
    else:
        click.echo(f"Migrated {where} from {before or 'an empty schema'} to revision {after}.")


@main.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the database schema to REVISION ("base" drops every table)."""

    async def work(database: Database) -> str | None:
        await migrate.downgrade(database, revision)
        return await migrate.current(database)

    settings = _settings()
    after = _run(settings, work)
    click.echo(f"Downgraded {_display_url(settings)} to {after or 'an empty schema'}.")


@main.command("seed")
@click.option("--students", type=click.IntRange(min=0), default=10_000, show_default=True)
@click.option("--courses", type=click.IntRange(min=0), default=500, show_default=True)
@click.option("--teachers", type=click.IntRange(min=0), default=100, show_default=True)
@click.option("--registrations", type=click.IntRange(min=0), default=50_000, show_default=True)
@click.option("--users", type=click.IntRange(min=0), default=5_000, show_default=True)
@click.option("--follows", type=click.IntRange(min=0), default=50_000, show_default=True)
@click.option("--articles", type=click.IntRange(min=0), default=20_000, show_default=True)
@click.option("--seed", "seed_", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--replace", is_flag=True, help="Delete every existing row first.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def seed_command(
    students: int,
    courses: int,
    teachers: int,
    registrations: int,
    users: int,
    follows: int,
    articles: int,
    seed_: int,
    replace: bool,
    no_progress: bool,
) -> None:
    """Load a generated data set of the given size (the same seed gives the same rows).

    Generated users cannot log in.
    """

    async def work(database: Database) -> Loaded:
        await _require_schema(database)
        return await seed(
            database,
            students=students,
            courses=courses,
            teachers=teachers,
            registrations=registrations,
            users=users,
            follows=follows,
            articles=articles,
            seed=seed_,
            replace=replace,
            progress=not no_progress,
        )

    settings = _settings()
    loaded = _run(settings, work)
    click.echo(
        f"Loaded {_summary(loaded)} into {_display_url(settings)} in {loaded.seconds:.1f} s."
    )


@main.command("check")
@click.option(
    "--repair", is_flag=True, help="Set every kept column that differs to its true value."
)
def check_command(repair: bool) -> None:
    """Compare every counter and copied name the triggers keep with its true value.

    Exits non-zero when one differs, unless --repair set it right (all in one
    transaction).
    """

    async def work(database: Database) -> tuple[list[counters.Drift], int]:
        await _require_schema(database)
        async with database.transaction() as session:
            connection = await session.connection()
            drifts = await counters.drifts(connection)
            fixed = sum((await counters.repair(connection)).values()) if repair else 0
        return drifts, fixed

    settings = _settings()
    drifts, fixed = _run(settings, work)
    where = _display_url(settings)
    if not drifts:
        click.echo(
            f"All {len(counters.KEPT)} kept columns of {where} agree with their true values."
        )
        return
    for drift in drifts[:_SHOWN]:
        click.echo(
            f"{drift.table}.{drift.column} of id {drift.row_id}:"
            f" stored {drift.stored!r}, true {drift.true!r}"
        )
    if len(drifts) > _SHOWN:
        click.echo(f"... and {len(drifts) - _SHOWN:,} more.")
    columns = sorted({f"{drift.table}.{drift.column}" for drift in drifts})
    if repair:
        click.echo(f"Repaired {fixed:,} rows of {where} ({', '.join(columns)}).")
        return
    raise click.ClickException(
        f"{len(drifts):,} rows of {where} differ from their true values in"
        f" {', '.join(columns)}: `campus check --repair` sets them right"
    )


_SHOWN = 50
"""The most differences ``campus check`` lists one by one."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    metavar="N|auto",
    default="1",
    callback=lambda ctx, param, value: serving.worker_count(value),
    show_default=True,
    help="Server processes: a number, or `auto` for one per CPU this process may use.",
)
@click.option("--no-demo", is_flag=True, help="Do not load the demo data into an empty database.")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option(
    "--loop",
    type=click.Choice(serving.LOOPS),
    default=serving.LOOPS[0],
    show_default=True,
    help="The event loop: the standard library's, or uvloop (measure it on your own load first).",
)
def serve(host: str, port: int, workers: int, no_demo: bool, reload: bool, loop: str) -> None:
    """Migrate, load the demo data into an empty database, and serve the app."""
    if reload and workers > 1:
        raise click.UsageError("--reload runs a single worker: drop --workers")

    # Everything that must happen once, before any worker starts.
    async def prepare(database: Database) -> tuple[Loaded, str] | None:
        await migrate.upgrade(database)
        if no_demo:
            return None
        password = secrets.token_urlsafe(12)
        password_hash = await Passwords(settings.password_profile).hash(password)
        demo = await load_demo(database, password_hash)
        return None if demo is None else (demo, password)

    settings = _settings()
    _log_level(settings)  # fail before migrating, not after
    # Lines logged while preparing are formatted as the workers' are.
    logging.config.dictConfig(logging_config(settings.log_level, settings.log_format))
    _secret_key(settings)
    prepared = _run(settings, prepare)
    if prepared is not None:
        demo, password = prepared
        click.echo(f"Loaded the demo data set: {_summary(demo)}.")
        click.echo(
            f"Sign in as its admin with username {DEMO_ADMIN!r} and password {password!r}"
            " (shown only this once; `campus create-admin` makes more admins)."
        )
    if settings.metrics:
        _metrics_directory()
    # An import string, so that every worker (or the reloader's child) builds its own app.
    serving.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        loop=loop,
        log_level=_log_level(settings),
        # Each worker logs in one format, every line of a request with its id.
        log_config=logging_config(settings.log_level, settings.log_format),
        # Each request's summary line (server.observability.request_id) says more than uvicorn's.
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_seconds,
    )


def _metrics_directory() -> None:
    """A fresh directory for every worker's metric samples, removed when the server exits.

    Set before any worker starts (and imports prometheus_client), so that all
    of them, and this process, write and read the same files.
    """
    directory = tempfile.mkdtemp(prefix="campus-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)


@main.command("create-admin")
@click.argument("username")
@click.option("--display-name", help="The name shown for the account (default: USERNAME).")
def create_admin(username: str, display_name: str | None) -> None:
    """Create an admin account named USERNAME.

    The password is read from CAMPUS_ADMIN_PASSWORD, or asked for.
    """
    password = os.environ.get("CAMPUS_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    settings = _settings()
    with _clear_errors(settings):
        account = accounts.check_new_account(
            username=username, password=password, display_name=display_name
        )

    async def work(database: Database) -> None:
        await _require_schema(database)
        password_hash = await Passwords(settings.password_profile).hash(password)
        async with database.transaction() as session:
            await accounts.create_user(session, account, password_hash=password_hash, is_admin=True)

    _run(settings, work)
    click.echo(f"Created the admin {account.username!r} in {_display_url(settings)}.")


@main.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    # Imported here: the schema is heavy and the other commands do not need it.
    from schema.root import schema

    click.echo(schema.as_str())


def _secret_key(settings: Settings) -> None:
    """Make sure the workers find a signing key; generate it where that is allowed."""
    try:
        created = ensure_secret_key(settings)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    if created is not None:
        click.echo(f"Generated the key that signs tokens: {created} (keep it private).")


def _log_level(settings: Settings) -> int:
    level = logging.getLevelNamesMapping().get(settings.log_level)
    if level is None:
        raise click.ClickException(f"CAMPUS_LOG_LEVEL {settings.log_level!r} is not a log level")
    return level


def _summary(loaded: Loaded) -> str:
    return ", ".join(f"{count:,} {table}" for table, count in loaded.counts.items())
