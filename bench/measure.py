"""What a run is asked to do and what it finds: the configuration, the measurements.

And the two steps every measurement shares: warm up, then one run per
concurrency level (with the server's peak memory); one line of progress.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.database import Backend
from bench.load import Level
from bench.servers import BenchError, RunningServer
from server.seeding.dataset import Sizes

__all__ = ["SERVERS", "BackendRun", "Config", "Measurement", "levels", "report", "say"]

# Every server the benchmark can run, in the order it runs them: campus first,
# its answers are the others' reference.
SERVERS = ("campus", "naive", "floor", "postgraphile")

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
    servers: tuple[str, ...] = SERVERS


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
    # The floor's: which of its variants this is ("rows" or "json"), and the other's figures.
    variant: str | None = None
    other: dict[str, Any] | None = None


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
    # Servers that could not run on this back end, and why.
    servers_skipped: dict[str, str] = field(default_factory=dict)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def levels(server: RunningServer, runner: Runner, config: Config) -> list[Level]:
    """Warm up, then one run per concurrency level, each with the server's peak memory."""
    warm = await runner(min(8, max(config.concurrency)), config.warmup)
    if warm.requests and warm.errors == warm.requests:
        raise BenchError(f"{server.spec.name}: every warm-up request failed")
    measured = []
    for concurrency in config.concurrency:
        server.reset_peak_rss()
        level = await runner(concurrency, config.duration)
        rss = sum(server.peak_rss_kib().values()) / 1024
        measured.append(replace(level, peak_rss_mib=round(rss, 1)))
    return measured


def report(backend: Backend, m: Measurement) -> None:
    rates = ", ".join(f"c={lv.concurrency} {lv.rps:,.0f}/s" for lv in m.levels)
    first = m.levels[0] if m.levels else None
    latency = f"p50 {first.p50_ms} ms, p95 {first.p95_ms} ms" if first else ""
    errors = sum(lv.errors for lv in m.levels)
    server = f"{m.server} ({m.variant})" if m.variant else m.server
    sql = "" if m.statements is None else f"; {m.statements} statements, {m.rows} rows"
    say(
        f"[{backend.name}] {server:<12} {m.workload:<9} {latency}; {rates}{sql}"
        + (f"; {errors} ERRORS" if errors else "")
    )
