"""One benchmark run on one back end: seed, then measure campus, naive and floor in turn."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench import writes
from bench.accounts import Accounts, graphql, missing_mutations, sign_in_clients
from bench.answers import difference, probe
from bench.database import CAMPUS, Backend, Targets, find_targets, link_snapshot, prepare
from bench.httpclient import HttpConnection, build_request
from bench.load import Level, read_sender, run_level
from bench.queries import ReadQuery
from bench.servers import HOST, BenchError, RunningServer, ServerSpec, serve
from bench.skew import add_skew
from bench.workload import read_queries, read_request, skewed_queries, write_request
from server.seeding.dataset import Sizes

__all__ = ["BackendRun", "Config", "Measurement", "run_backend"]

REPO = Path(__file__).resolve().parents[1]
W_USERS = 8
W_OPS_PER_CLIENT = 500

# Runs one level: (concurrency, seconds) -> the level measured.
Runner = Callable[[int, float], Awaitable[Level]]


@dataclass(frozen=True)
class Config:
    sizes: Sizes
    seed: int
    duration: float
    warmup: float
    concurrency: tuple[int, ...]
    workloads: tuple[str, ...]
    out: Path
    postgres_admin_url: str
    skewed: bool = False


@dataclass
class Measurement:
    workload: str
    title: str
    server: str
    statements: float | None = None
    rows: float | None = None
    levels: list[Level] = field(default_factory=list)
    skipped: str | None = None
    check: str | None = None


@dataclass
class BackendRun:
    backend: str
    workers: int
    seed_seconds: float = 0.0
    measure_seconds: float = 0.0
    targets: dict[str, Any] = field(default_factory=dict)
    # p50 of a 404 at c=1 per server: what HTTP and the middleware alone cost a request.
    transport_p50_ms: dict[str, float] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    skipped: str | None = None


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run_backend(backend: Backend, config: Config, env: dict[str, str]) -> BackendRun:
    result = BackendRun(backend.name, backend.workers)
    started = time.perf_counter()
    say(f"[{backend.name}] seeding {_sizes(config.sizes)} with `campus seed` ...")
    await prepare(backend, config.sizes, config.seed, env, config.postgres_admin_url)
    result.seed_seconds = round(time.perf_counter() - started, 1)
    skew = await add_skew(backend.url) if config.skewed else None
    targets = await find_targets(backend.url, config.sizes)
    result.targets = {**vars(targets), **(vars(skew) if skew else {})}
    offset = min(5_000, config.sizes.students // 2 // 100 * 100)
    server_env = {**env, "DATABASE_URL": backend.url}
    session = _Session(backend, config, env, targets)
    started = time.perf_counter()
    for kind, spec in _specs(backend, server_env).items():
        say(f"[{backend.name}] {kind}: starting {backend.workers} worker(s)")
        with serve(spec, config.out / "logs" / f"{backend.name}-{kind}.log") as server:
            result.transport_p50_ms[kind] = await _transport(server.port, config)
            if kind == "campus":
                deep = await _deep_cursor(server.port, offset)
                session.reads = read_queries(targets, deep, offset) + skewed_queries(skew)
            for query in session.reads:
                if query.name.split()[0] in config.workloads:
                    result.measurements.append(await session.read(server, kind, query))
            if "W" in config.workloads:
                result.measurements.append(await session.write(server, kind))
    result.measure_seconds = round(time.perf_counter() - started, 1)
    return result


@dataclass
class _Session:
    """What one back end's run learns as it goes: reference answers, accounts."""

    backend: Backend
    config: Config
    env: dict[str, str]
    targets: Targets
    reads: list[ReadQuery] = field(default_factory=list)
    reference: dict[str, Any] = field(default_factory=dict)
    accounts: Accounts | None = None
    w_skipped: str | None = None

    async def read(self, server: RunningServer, kind: str, query: ReadQuery) -> Measurement:
        request = read_request(kind, server.port, query)
        data, sql = await probe(server.port, request)
        if kind == "campus":
            self.reference[query.name] = data
        elif found := difference(self.reference.get(query.name), data):
            raise BenchError(f"{kind} answers {query.name} unlike campus: {found}")
        send = read_sender(request)

        async def runner(concurrency: int, seconds: float) -> Level:
            return await run_level(HOST, server.port, send, concurrency, seconds)

        levels = await _levels(server, runner, self.config)
        measurement = Measurement(
            query.name, query.title, kind, sql.get("statements"), sql.get("rows"), levels
        )
        _report(self.backend, measurement)
        return measurement

    async def write(self, server: RunningServer, kind: str) -> Measurement:
        measurement = Measurement("W", "enroll/withdraw + follow/unfollow", kind)
        if kind == "naive":
            measurement.skipped = "the naive baseline is read-only"
            return measurement
        if kind == "campus":
            await self._sign_in(server)
        if kind == "campus" and self.w_skipped:
            measurement.skipped = self.w_skipped
            say(f"[{self.backend.name}] campus W skipped: {self.w_skipped}")
            return measurement
        mix = self._mix(kind, server.port)
        send = mix.sender()
        users = tuple(sorted(self.accounts.user_tokens)) if self.accounts else self._floor_users()
        t = self.targets
        problems: list[str] = []
        links_wrong: list[str] = []
        costs: list[dict[str, int]] = []

        async def runner(concurrency: int, seconds: float) -> Level:
            before, _ = await link_snapshot(self.backend.url, t.w_students, t.w_courses, users)
            mix.reset()
            level = await run_level(HOST, server.port, send, concurrency, seconds)
            after, rows = await link_snapshot(self.backend.url, t.w_students, t.w_courses, users)
            found = writes.check_links(before, after, rows, mix.done)
            links_wrong.extend(found)
            if mix.failed:
                found.insert(
                    0,
                    f"{mix.failed} of {mix.failed + len(mix.done)} requests failed"
                    f" ({mix.server_errors} with a 5xx), e.g. {'; '.join(mix.failures)}",
                )
            problems.extend(f"c={concurrency}: {p}" for p in found)
            costs.extend(mix.sql)
            return level

        measurement.levels = await _levels(server, runner, self.config)
        if costs:
            measurement.statements = round(sum(c["statements"] for c in costs) / len(costs), 2)
            measurement.rows = round(sum(c["rows"] for c in costs) / len(costs), 2)
        links = "links do NOT match" if links_wrong else "links match the changed answers"
        measurement.check = "; ".join([*problems[:6], links] if problems else ["ok", links])
        _report(self.backend, measurement)
        if problems:
            say(f"[{self.backend.name}] {kind} W check FAILED: {measurement.check}")
        return measurement

    async def _sign_in(self, server: RunningServer) -> None:
        connection = HttpConnection(HOST, server.port)
        try:
            if missing := await missing_mutations(connection, server.port):
                self.w_skipped = f"mutations not available ({', '.join(missing)})"
                return
            self.accounts = await sign_in_clients(
                connection, server.port, self.backend, self.env, W_USERS
            )
        finally:
            await connection.close()

    def _floor_users(self) -> tuple[int, ...]:
        top = self.config.sizes.users
        return tuple(u for u in range(top - W_USERS, top + 1) if u != self.targets.q2_user)

    def _mix(self, kind: str, port: int) -> writes.WriteMix:
        users = tuple(sorted(self.accounts.user_tokens)) if self.accounts else self._floor_users()
        clients = max((*self.config.concurrency, 8))
        requests = []
        for client in range(clients):
            ops = writes.plan_ops(
                client, W_OPS_PER_CLIENT, self.targets.w_students, self.targets.w_courses, users
            )
            requests.append([(op, write_request(kind, port, op, self.accounts)) for op in ops])
        parse = writes.parse_graphql if kind == "campus" else writes.parse_floor
        return writes.WriteMix(requests, parse)


def _specs(backend: Backend, env: dict[str, str]) -> dict[str, ServerSpec]:
    """The three servers, started as a user would: ``campus serve``, and uvicorn alike."""
    workers = str(backend.workers)
    where = ["--host", HOST, "--port", "{port}", "--workers", workers]
    uvicorn = [sys.executable, "-m", "bench.serve"]
    campus = [CAMPUS, "serve", "--no-demo", *where]
    return {
        "campus": ServerSpec("campus", campus, env, backend.workers, REPO),
        "naive": ServerSpec(
            "naive", [*uvicorn, "bench.naive:create_app", *where], env, backend.workers, REPO
        ),
        "floor": ServerSpec(
            "floor", [*uvicorn, "bench.floor:create_app", *where], env, backend.workers, REPO
        ),
    }


async def _deep_cursor(port: int, offset: int) -> str | None:
    """The cursor after the first ``offset`` students, reached by paging as a client would."""
    document = (
        "query($after: String) { students(first: 100, after: $after) { pageInfo { endCursor } } }"
    )
    connection = HttpConnection(HOST, port)
    cursor: str | None = None
    try:
        for _ in range(offset // 100):
            answer = await graphql(connection, port, document, {"after": cursor})
            cursor = answer["data"]["students"]["pageInfo"]["endCursor"]
    finally:
        await connection.close()
    return cursor


async def _transport(port: int, config: Config) -> float:
    """p50 of a request the router turns away (404): HTTP and the app's middleware, no SQL."""
    request = build_request("GET", HOST, port, "/bench-no-such-page")

    async def send(connection: HttpConnection, client: int) -> bool:
        status, _ = await connection.request(request)
        return status == 404

    level = await run_level(HOST, port, send, 1, min(config.duration, 1.0))
    return level.p50_ms


async def _levels(server: RunningServer, runner: Runner, config: Config) -> list[Level]:
    """Warm up, then one run per concurrency level, each with the server's peak memory."""
    warm = await runner(min(8, max(config.concurrency)), config.warmup)
    if warm.requests and warm.errors == warm.requests:
        raise BenchError(f"{server.spec.name}: every warm-up request failed")
    levels = []
    for concurrency in config.concurrency:
        server.reset_peak_rss()
        level = await runner(concurrency, config.duration)
        rss = sum(server.peak_rss_kib().values()) / 1024
        levels.append(replace(level, peak_rss_mib=round(rss, 1)))
    return levels


def _report(backend: Backend, m: Measurement) -> None:
    rates = ", ".join(f"c={lv.concurrency} {lv.rps:,.0f}/s" for lv in m.levels)
    first = m.levels[0] if m.levels else None
    latency = f"p50 {first.p50_ms} ms, p95 {first.p95_ms} ms" if first else ""
    errors = sum(lv.errors for lv in m.levels)
    say(
        f"[{backend.name}] {m.server:<6} {m.workload:<8} {latency}; {rates};"
        f" {m.statements} statements, {m.rows} rows" + (f"; {errors} ERRORS" if errors else "")
    )


def _sizes(sizes: Sizes) -> str:
    return ", ".join(f"{n:,} {name}" for name, n in vars(sizes).items())
