"""``campus documents``: import a manifest of trusted documents, list what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from server.cli.support import display_url, load_settings, require_schema, run
from server.db.engine import Database
from server.documents import table as store
from server.documents.manifest import ManifestError, read_manifest

if TYPE_CHECKING:
    from graphql import GraphQLError

__all__ = ["documents"]


@click.group()
def documents() -> None:
    """Persisted documents: the trusted ones, and those clients registered."""


@documents.command("import")
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
def import_command(manifest: Path) -> None:
    """Trust every document of MANIFEST, a JSON object of {sha256: document}; all or none."""
    settings = load_settings()
    try:
        pairs = read_manifest(manifest, _problems)
    except ManifestError as error:
        raise click.ClickException(str(error)) from None

    async def work(database: Database) -> int:
        await require_schema(database)
        async with database.transaction() as session:
            return await store.store_trusted(session, pairs)

    added = run(settings, work)
    click.echo(
        f"Imported {len(pairs)} trusted documents ({added} new) into {display_url(settings)}."
    )


@documents.command("list")
def list_command() -> None:
    """List the stored documents: hash, kind, last use, operation."""

    async def work(database: Database) -> list[store.Stored]:
        await require_schema(database)
        async with database.reader() as session:
            return await store.listing(session)

    for stored in run(load_settings(), work):
        kind = "trusted" if stored.trusted else "automatic"
        used = stored.last_used_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{stored.hash}  {kind:9}  {used}  {_operation(stored.body)}")


def _problems(document: str) -> list[str]:
    # Imported here: every worker `campus serve` starts imports this module
    # first, and must answer uvicorn's first health check within seconds.
    from graphql import GraphQLError, parse, validate

    from schema.root import schema

    try:
        parsed = parse(document)
    except GraphQLError as error:
        return [_described(error)]
    return [_described(error) for error in validate(schema._schema, parsed)]


def _described(error: GraphQLError) -> str:
    """A graphql-core error's message and the line it points at."""
    where = error.locations[0] if error.locations else None
    return error.message if where is None else f"{error.message} (line {where.line})"


def _operation(body: str) -> str:
    """The document's first line, which names its operation in what the tools write."""
    first = body.strip().splitlines()[0] if body.strip() else ""
    return first if len(first) <= 60 else first[:59] + "…"
