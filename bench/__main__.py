"""``python -m bench``: seed, serve, measure, and write the results."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import secrets
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import click
from sqlalchemy import text

from bench import chart, report
from bench.database import Backend, bench_postgres_url, connect, drop_postgres, postgres_problem
from bench.measure import SERVERS, BackendRun, Config, say
from bench.run import run_backend
from bench.servers import BenchError
from server.seeding.dataset import Sizes

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
WORKLOADS = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "W")


def _scaled(scale: float) -> Sizes:
    full = Sizes()
    return Sizes(**{name: max(1, round(n * scale)) for name, n in vars(full).items()})


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@click.command(context_settings={"show_default": True})
@click.option("--scale", type=click.FloatRange(0.01, 10), default=1.0, help="Data set size factor.")
@click.option("--quick", is_flag=True, help="A tenth of the data, 1 s levels: for development.")
@click.option("--duration", type=click.FloatRange(0.2), default=4.0, help="Seconds per level.")
@click.option("--warmup", type=click.FloatRange(0.1), default=1.0, help="Warm-up seconds.")
@click.option("--concurrency", default="1,8,32", help="Concurrent clients per level.")
@click.option("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql.")
@click.option("--workloads", default=",".join(WORKLOADS), help="Which of Q1-Q6 and W.")
@click.option(
    "--pg-workers", type=click.IntRange(1), default=2, help="Processes per server on PostgreSQL."
)
@click.option(
    "--servers",
    default=",".join(SERVERS),
    help="Which servers to measure; campus always (its answers are the reference).",
)
@click.option(
    "--postgres-url", default=DEFAULT_POSTGRES, help="A PostgreSQL to create a database in."
)
@click.option("--seed", type=int, default=0, help="Data set seed.")
@click.option(
    "--skewed",
    is_flag=True,
    help="Add a user followed by 20,000 and a course of 5,000 students, and Q1/Q2 over them.",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("bench/results"))
def main(
    scale: float,
    quick: bool,
    duration: float,
    warmup: float,
    concurrency: str,
    backends: str,
    workloads: str,
    pg_workers: int,
    servers: str,
    postgres_url: str,
    seed: int,
    skewed: bool,
    out: Path,
) -> None:
    """Benchmark campus against PostGraphile, a naive N+1 baseline and a raw-SQL floor."""
    if quick:
        scale, duration, warmup = min(scale, 0.1), min(duration, 1.0), min(warmup, 0.3)
    levels = tuple(sorted({int(c) for c in _csv(concurrency)}))
    chosen = _csv(workloads)
    if unknown := set(chosen) - set(WORKLOADS):
        raise click.UsageError(f"unknown workloads: {', '.join(sorted(unknown))}")
    if unknown := set(_csv(backends)) - {"sqlite", "postgresql"}:
        raise click.UsageError(f"unknown backends: {', '.join(sorted(unknown))}")
    if unknown := set(_csv(servers)) - set(SERVERS):
        raise click.UsageError(f"unknown servers: {', '.join(sorted(unknown))}")
    if "campus" not in _csv(servers):
        raise click.UsageError("--servers must include campus: its answers are the reference")
    out = out.resolve()
    lineup = tuple(s for s in SERVERS if s in _csv(servers))
    config = Config(
        _scaled(scale), seed, duration, warmup, levels, chosen, out, postgres_url, skewed, lineup
    )
    try:
        asyncio.run(_main(config, _csv(backends), pg_workers))
    except BenchError as error:
        raise click.ClickException(str(error)) from None


async def _main(config: Config, backends: tuple[str, ...], pg_workers: int) -> None:
    started = time.perf_counter()
    env = {
        "CAMPUS_SECRET_KEY": secrets.token_urlsafe(48),
        "CAMPUS_SQL_STATS": "1",
        "CAMPUS_LOG_LEVEL": "WARNING",
    }
    runs: list[BackendRun] = []
    postgres_version: str | None = None
    for name in backends:
        if name == "sqlite":
            url = f"sqlite+aiosqlite:///{config.out / 'campus-bench.sqlite'}"
            runs.append(await run_backend(Backend("sqlite", url, 1), config, env))
            continue
        if problem := await postgres_problem(config.postgres_admin_url):
            say(f"[postgresql] skipped: {problem}")
            runs.append(BackendRun("postgresql", pg_workers, skipped=problem))
            continue
        async with connect(config.postgres_admin_url) as connection:
            postgres_version = (await connection.execute(text("SHOW server_version"))).scalar()
        backend = Backend("postgresql", bench_postgres_url(config.postgres_admin_url), pg_workers)
        try:
            runs.append(await run_backend(backend, config, env))
        finally:
            await drop_postgres(config.postgres_admin_url)
    meta = _meta(config, postgres_version and f"PostgreSQL {postgres_version}")
    meta["total_seconds"] = round(time.perf_counter() - started, 1)
    _write(config, runs, meta)


def _meta(config: Config, postgres: str | None) -> dict[str, Any]:
    sizes = ", ".join(f"{n:,} {name}" for name, n in vars(config.sizes).items())
    return {
        "command": shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": report.machine(postgres),
        "config": {
            "data_set": sizes,
            "sizes": vars(config.sizes),
            "seed": config.seed,
            "duration": config.duration,
            "warmup": config.warmup,
            "concurrency": list(config.concurrency),
            "workloads": list(config.workloads),
            "servers": list(config.servers),
        },
    }


def _write(config: Config, runs: list[BackendRun], meta: dict[str, Any]) -> None:
    config.out.mkdir(parents=True, exist_ok=True)
    payload = {**meta, "backends": [dataclasses.asdict(run) for run in runs]}
    (config.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    (config.out / "results.md").write_text(report.markdown(runs, meta))
    charts = ", chart-*.png"
    try:
        for run in runs:
            if not run.skipped:
                chart.chart(run, config.concurrency, config.out / f"chart-{run.backend}.png")
    except ImportError:
        charts = "; no charts: matplotlib is not installed (pip install -e '.[bench]')"
    say(f"Results in {config.out} (results.json, results.md{charts}); {meta['total_seconds']} s.")


if __name__ == "__main__":
    main()
