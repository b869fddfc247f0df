"""Trusted documents: `campus documents import`/`list`, and a server that runs only them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from server.cli.main import main
from server.config import Settings
from server.db.engine import Database
from server.db.models import PersistedDocument
from server.documents.store import sha256
from tests.support import serve_own

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

CAMPUS = str(Path(sys.executable).with_name("campus"))
COUNT = "query StudentCount { students { totalCount } }"
TEACHERS = "query Teachers { teachers(first: 5) { nodes { name } } }"
OTHER = "{ courses { totalCount } }"
NOT_ALLOWED = {
    "errors": [
        {
            "message": "Only trusted documents run on this server",
            "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"},
        }
    ]
}
GOOD = {sha256(COUNT): COUNT}
BAD_MANIFESTS: dict[str, tuple[str, str]] = {
    "not JSON": ("{" + json.dumps(GOOD)[1:-1], "is not JSON"),
    "not an object": (json.dumps([COUNT]), "must hold a JSON object of {hash: document}"),
    "a hash that does not match": (
        json.dumps({**GOOD, sha256(OTHER): OTHER + " "}),
        f"{sha256(OTHER)}: not the SHA-256 of its document, which is {sha256(OTHER + ' ')}",
    ),
    "a document that does not validate": (
        json.dumps({**GOOD, sha256("{ studens { id } }"): "{ studens { id } }"}),
        f"{sha256('{ studens { id } }')}: Cannot query field 'studens' on type 'Query'."
        " Did you mean 'students'? (line 1)",
    ),
    "a document that does not parse": (
        json.dumps({**GOOD, sha256("{ students {"): "{ students {"}),
        f"{sha256('{ students {')}: Syntax Error: Expected Name, found <EOF>. (line 1)",
    ),
    "a document that is not a string": (
        json.dumps({**GOOD, "abc": 7}),
        "abc: the document must be a string",
    ),
}


async def _campus(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a process of its own, its output and errors together."""
    return await asyncio.to_thread(
        subprocess.run,
        [CAMPUS, *args],
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def _persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}


async def test_imported_documents_are_listed_and_are_all_a_trusted_server_runs(
    settings: Settings, own_database_url: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha256(COUNT): COUNT, sha256(TEACHERS): TEACHERS}))
    shared = replace(settings, database_url=own_database_url)
    async with serve_own(shared) as open_app:  # a client registers OTHER before the switch
        body = {"query": OTHER, "extensions": _persisted(OTHER)}
        assert "errors" not in (await open_app.client.http.post("/graphql", json=body)).json()

    imported = await _campus(own_database_url, "documents", "import", str(manifest))
    assert imported.returncode == 0, imported.stdout
    assert imported.stdout.startswith("Imported 2 trusted documents (2 new) into ")
    again = await _campus(own_database_url, "documents", "import", str(manifest))
    assert "Imported 2 trusted documents (0 new)" in again.stdout
    listed = (await _campus(own_database_url, "documents", "list")).stdout.splitlines()
    assert sorted(line.split()[:2] for line in listed) == sorted(
        [[sha256(COUNT), "trusted"], [sha256(TEACHERS), "trusted"], [sha256(OTHER), "automatic"]]
    )
    assert any(line.endswith("query StudentCount { students { totalCount } }") for line in listed)

    async with serve_own(replace(shared, trusted_documents=True)) as app:
        post = app.client.http.post
        by_hash = await post("/graphql", json={"extensions": _persisted(COUNT)})
        by_text = await post("/graphql", json={"query": TEACHERS})
        assert by_hash.json()["data"] == {"students": {"totalCount": 0}}
        assert by_text.json()["data"] == {"teachers": {"nodes": []}}

        new = "{ teachers { totalCount } }"
        refused = [
            await post("/graphql", json={"query": new}),
            await post("/graphql", json={"query": "{ students {"}),  # refused before parsing
            await post("/graphql", json={"query": new, "extensions": _persisted(new)}),
            await post("/graphql", json={"extensions": _persisted(new)}),
            await post("/graphql", json={"extensions": _persisted(OTHER)}),  # only registered
            await app.client.http.get("/graphql", params={"query": OTHER}),
        ]
        for response in refused:
            assert (response.status_code, response.json()) == (400, NOT_ALLOWED)
        stored = await app.count(select(func.count()).select_from(PersistedDocument))
    assert stored == 3


@pytest.mark.parametrize(("content", "message"), BAD_MANIFESTS.values(), ids=BAD_MANIFESTS.keys())
async def test_a_bad_manifest_is_refused_with_the_reason_and_nothing_is_imported(
    own_database_url: str, tmp_path: Path, content: str, message: str
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(content)

    # In this process: a refused manifest never reaches the database.
    result = CliRunner().invoke(
        main, ["documents", "import", str(manifest)], env={"DATABASE_URL": own_database_url}
    )

    assert result.exit_code == 1
    assert message in result.output
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(PersistedDocument))
    await database.dispose()
    assert stored == 0


def test_a_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["documents", "import", str(tmp_path / "none.json")])

    assert result.exit_code == 1
    assert f"cannot read {tmp_path / 'none.json'}: No such file or directory" in result.output


def test_trusted_documents_switch_introspection_and_graphiql_off_unless_set() -> None:
    trusted = Settings.from_env({"CAMPUS_TRUSTED_DOCUMENTS": "1"})
    assert (trusted.trusted_documents, trusted.introspection, trusted.graphiql) == (
        True,
        False,
        False,
    )
    assert trusted.suggestions
    explicit = Settings.from_env({"CAMPUS_TRUSTED_DOCUMENTS": "1", "CAMPUS_INTROSPECTION": "1"})
    assert (explicit.introspection, explicit.graphiql) == (True, False)
    assert not Settings.from_env({}).trusted_documents
