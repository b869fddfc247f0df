"""One benchmark run on one back end: seed, then measure each server in turn.

Campus, the naive baseline and the floor are Python apps under uvicorn;
PostGraphile (PostgreSQL only) is a Node process over the same database,
installed on demand (``bench.postgraphile.setup``) or skipped with the reason.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.accounts import graphql
from bench.database import CAMPUS, Backend, find_targets, prepare
from bench.httpclient import HttpConnection, build_request
from bench.load import Level, run_level
from bench.measure import BackendRun, Config, Measurement, say
from bench.postgraphile import setup
from bench.servers import HOST, ServerSpec, serve
from bench.session import Session
from bench.skew import add_skew
from bench.workload import Deep, read_queries, skewed_queries
from server.seeding.dataset import Sizes

__all__ = ["run_backend"]

REPO = Path(__file__).resolve().parents[1]


async def run_backend(backend: Backend, config: Config, env: dict[str, str]) -> BackendRun:
    result = BackendRun(backend.name, backend.workers)
    started = time.perf_counter()
    say(f"[{backend.name}] seeding {_sizes(config.sizes)} with `campus seed` ...")
    await prepare(backend, config.sizes, config.seed, env, config.postgres_admin_url)
    result.seed_seconds = round(time.perf_counter() - started, 1)
    skew = await add_skew(backend.url) if config.skewed else None
    targets = await find_targets(backend.url, config.sizes)
    result.targets = {**vars(targets), **(vars(skew) if skew else {})}
    server_env = {**env, "DATABASE_URL": backend.url}
    session = Session(backend, config, env, targets)
    started = time.perf_counter()
    for kind in config.servers:
        if kind == "postgraphile" and backend.name != "postgresql":
            continue  # it serves PostgreSQL only
        spec = _spec(kind, backend, server_env)
        if isinstance(spec, str):
            say(f"[{backend.name}] {kind} skipped: {spec}")
            result.servers_skipped[kind] = spec
            result.measurements += _skipped(kind, session, spec)
            continue
        say(f"[{backend.name}] {kind}: starting {backend.workers} process(es)")
        with serve(spec, config.out / "logs" / f"{backend.name}-{kind}.log") as server:
            result.transport_p50_ms[kind] = await _transport(server.port, config)
            if kind == "campus":
                students, users = await _deep_pages(server.port, config)
                session.reads = read_queries(targets, students, users) + skewed_queries(skew)
            for query in session.reads:
                if query.name.split()[0] in config.workloads:
                    result.measurements.append(await session.read(server, kind, query))
            if "W" in config.workloads:
                result.measurements.append(await session.write(server, kind))
    result.measure_seconds = round(time.perf_counter() - started, 1)
    return result


def _spec(kind: str, backend: Backend, env: dict[str, str]) -> ServerSpec | str:
    """How to start the server ``kind`` as a user would, or why it cannot start here."""
    workers = str(backend.workers)
    where = ["--host", HOST, "--port", "{port}", "--workers", workers]
    if kind == "campus":
        return ServerSpec(
            "campus", [CAMPUS, "serve", "--no-demo", *where], env, backend.workers, REPO
        )
    if kind in ("naive", "floor"):
        argv = [sys.executable, "-m", "bench.serve", f"bench.{kind}:create_app", *where]
        return ServerSpec(kind, argv, env, backend.workers, REPO)
    if problem := setup.install(lambda message: say(f"[{backend.name}] {message}")):
        return problem
    node, version = setup.node()
    if node is None:
        return version
    say(f"[{backend.name}] postgraphile: {version} at {node}")
    return setup.spec(node, backend.url, env, backend.workers)


def _skipped(kind: str, session: Session, why: str) -> list[Measurement]:
    workloads = session.config.workloads
    found = [
        Measurement(query.name, query.title, kind, skipped=why)
        for query in session.reads
        if query.name.split()[0] in workloads
    ]
    if "W" in workloads:
        found.append(Measurement("W", "enroll/withdraw + follow/unfollow", kind, skipped=why))
    return found


# Pages of 100 through each deep query's list, in its order.
_STUDENT_PAGES = (
    "query($after: String) { students(first: 100, after: $after) { pageInfo { endCursor } } }"
)
_USER_PAGES = """query($after: String) {
  users(first: 100, after: $after, orderBy: [{ field: FOLLOWER_COUNT, direction: DESC }]) {
    pageInfo { endCursor }
  }
}"""


async def _deep_pages(port: int, config: Config) -> tuple[Deep, Deep]:
    """Q3's and Q5's deep cursors: half way down their lists, 5,000 rows at most.

    Q5's stays clear of the write mix's users (signed up by the benchmark, no
    follower but one another: 7 at most), who sort after every user with more
    followers than that: half the seeded users have about 10.
    """
    students = min(5_000, config.sizes.students // 2 // 100 * 100)
    users = min(5_000, config.sizes.users // 2 // 100 * 100)
    return (
        Deep(await _deep_cursor(port, _STUDENT_PAGES, "students", students), students),
        Deep(await _deep_cursor(port, _USER_PAGES, "users", users), users),
    )


async def _deep_cursor(port: int, document: str, field: str, offset: int) -> str | None:
    """The cursor after the first ``offset`` rows, reached by paging as a client would."""
    connection = HttpConnection(HOST, port)
    cursor: str | None = None
    try:
        for _ in range(offset // 100):
            answer = await graphql(connection, port, document, {"after": cursor})
            cursor = answer["data"][field]["pageInfo"]["endCursor"]
    finally:
        await connection.close()
    return cursor


async def _transport(port: int, config: Config) -> float:
    """p50 of a request the router turns away (404): HTTP and the app's middleware, no SQL."""
    request = build_request("GET", HOST, port, "/bench-no-such-page")

    async def send(connection: HttpConnection, client: int) -> bool:
        status, _ = await connection.request(request)
        return status == 404

    level: Level = await run_level(HOST, port, send, 1, min(config.duration, 1.0))
    return level.p50_ms


def _sizes(sizes: Sizes) -> str:
    return ", ".join(f"{n:,} {name}" for name, n in vars(sizes).items())
