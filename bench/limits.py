"""``python -m bench.limits``: the costliest answers the default limits let through.

For each shape of document that makes much work of few bytes of query —
long nested lists, many aliases, long texts — the largest of it that passes
every default limit (depth, aliases, tokens, nodes, cost), run in process on
the SPEC §8 data set: the answer's size, and the server's CPU time for it on
each way a read is answered (the reference way, which answers a document's
first sight, and a prepared plan). The README's "What the cost limit bounds"
comes from here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import httpx

from server.config import Settings
from server.db.engine import Database
from server.db.migrate import upgrade
from server.http.app import create_app
from server.seeding.seed import seed

# Each shape: a document, with N for its size, and the sizes to try from the largest down.
SHAPES: dict[str, tuple[str, range]] = {
    "courses(100) > students(N) > courses(1) > title": (
        "{ courses(first: 100) { nodes { students(first: N) { nodes {"
        " courses(first: 1) { nodes { title } } } } } } }",
        range(100, 0, -1),
    ),
    "courses(100) > students(N) > courses(5) > title": (
        "{ courses(first: 100) { nodes { students(first: N) { nodes {"
        " courses(first: 5) { nodes { title } } } } } } }",
        range(100, 0, -1),
    ),
    "N aliases of students(100) > courses(5) > students(1) > name": (
        "{ ALIASES }",
        range(30, 0, -1),
    ),
    "articles(100) > body, author > articles(5) > N aliased bodies": (
        "{ articles(first: 100) { nodes { body author { articles(first: 5) { nodes {"
        " BODIES } } } } } }",
        range(30, 0, -1),
    ),
    "users(100) > feed(N) > title, body, createdAt, author": (
        "{ users(first: 100) { nodes { feed(first: N) { nodes {"
        " title body createdAt author { username } } } } } }",
        range(100, 0, -1),
    ),
}
_ALIASED = (
    "aI: students(first: 100) { nodes { courses(first: 5) { nodes {"
    " students(first: 1) { nodes { name } } } } } }"
)


def _document(shape: str, n: int) -> str:
    aliases = " ".join(_ALIASED.replace("I", str(i)) for i in range(n))
    bodies = " ".join(f"b{i}: body" for i in range(n))
    return shape.replace("ALIASES", aliases).replace("BODIES", bodies).replace("N", str(n))


async def _costliest(url: str) -> None:
    base = Settings(database_url=url, secret_key="bench-limits-" * 4, metrics=False)
    print(f"default limits; cost {base.max_cost:,}, nodes {base.max_nodes:,}")
    print("| document (cost) | answer | CPU, reference way | CPU, prepared |")
    print("|---|---:|---:|---:|")
    for name, (shape, sizes) in SHAPES.items():
        text, cost = await _largest_allowed(base, shape, sizes)
        cpu: dict[str, float] = {}
        size = 0
        for way in ("off", "all"):
            settings = replace(base, prepared_reads=way)
            cpu[way], size = await _measure(settings, text)
        print(
            f"| {name} ({cost:,}) | {size / 1e6:.2f} MB | {cpu['off']:.2f} s | {cpu['all']:.2f} s |"
        )


async def _largest_allowed(settings: Settings, shape: str, sizes: range) -> tuple[str, int]:
    """The document at the largest size no limit refuses, and its estimated cost."""
    # Refused by the cost rule alone, a document says what it costs.
    measuring = replace(settings, max_cost=1, max_nodes=10**9)
    async with _client(settings) as client, _client(measuring) as measure:
        for n in sizes:
            text = _document(shape, n)
            if not _refused(await _post(client, text)):
                [error] = (await _post(measure, text))["errors"]
                return text, int(error["extensions"]["measured"])
    raise click.ClickException("no size of the shape passes the limits")


async def _post(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.post("/graphql", json={"query": text})).json()
    return body


def _refused(body: dict[str, Any]) -> bool:
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    return "QUERY_TOO_COMPLEX" in codes


async def _measure(settings: Settings, text: str) -> tuple[float, int]:
    """The server's CPU seconds for the document (the best of three), and its answer's bytes."""
    async with _client(settings) as client:
        await client.post("/graphql", json={"query": text})  # seen: prepared from now on
        best, size = float("inf"), 0
        for _ in range(3):
            started = time.process_time()
            response = await client.post("/graphql", json={"query": text})
            best = min(best, time.process_time() - started)
            size = len(response.content)
    return best, size


class _client:  # noqa: N801 (used as an async context manager, like a function)
    def __init__(self, settings: Settings) -> None:
        self._app = create_app(settings)
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self._app)
        self._http = httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60)
        return self._http

    async def __aexit__(self, *exc: object) -> None:
        assert self._http is not None
        await self._http.aclose()


async def _seeded(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    if not await asyncio.to_thread(path.exists):
        database = Database(Settings(database_url=url))
        await upgrade(database)
        await seed(database, progress=False)
        await database.dispose()
    return url


@click.command()
@click.option("--database-url", help="A seeded database; by default a SQLite file made here.")
@click.option("--file", type=click.Path(path_type=Path), default=Path("bench/results/limits.db"))
def main(database_url: str | None, file: Path) -> None:
    """The costliest answers the default limits let through, and what they cost the server."""
    file.parent.mkdir(parents=True, exist_ok=True)

    async def run() -> None:
        await _costliest(database_url or await _seeded(file))

    asyncio.run(run())


if __name__ == "__main__":
    main()
