"""The results as markdown: the summary across back ends, then each back end in full.

The summary is the comparison the benchmark exists for: per query, req/s at
8 clients and p50 with one client for campus on SQLite and on PostgreSQL,
PostGraphile and the floor (in its faster variant, named), from one run,
with the ratios campus ÷ PostGraphile and campus ÷ floor.
"""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.measure import BackendRun, Measurement

__all__ = ["LABELS", "find", "machine", "markdown", "workloads"]

LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SUMMARY_CLIENTS = 8


def machine(postgres_version: str | None) -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
    }


def find(run: BackendRun, workload: str, server: str) -> Measurement | None:
    for m in run.measurements:
        if m.workload == workload and m.server == server and m.levels:
            return m
    return None


def workloads(run: BackendRun) -> list[str]:
    return list(dict.fromkeys(m.workload for m in run.measurements))


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.1f}x" if a / b >= 10 else f"{a / b:.2f}x"


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _level(m: Measurement, clients: int) -> int:
    """The index of the level with ``clients`` clients, or the busiest one."""
    counts = [lv.concurrency for lv in m.levels]
    return counts.index(clients) if clients in counts else len(counts) - 1


def _rps(m: Measurement | None) -> float | None:
    return _best_rps(m)[0] if m else None


def _p50(m: Measurement | None) -> float | None:
    return _best_p50(m)[0] if m else None


def _best_rps(m: Measurement) -> tuple[float, str | None]:
    """req/s at the summary's level; the floor's is its kept variant's (kept for this)."""
    return m.levels[_level(m, SUMMARY_CLIENTS)].rps, m.variant


def _best_p50(m: Measurement) -> tuple[float, str | None]:
    """p50 with one client; the floor's is the lower of its two variants'."""
    p50, variant = m.levels[0].p50_ms, m.variant
    if m.other and m.other["p50_ms"] < p50:
        return m.other["p50_ms"], m.other["variant"]
    return p50, variant


def _cell(m: Measurement | None) -> str:
    if m is None:
        return "-"
    (rps, fast), (p50, quick) = _best_rps(m), _best_p50(m)
    if fast == quick:
        return f"{rps:,.0f} ({p50:.2f})" + (f" {fast}" if fast else "")
    return f"{rps:,.0f} {fast} ({p50:.2f} {quick})"


def _versus(campus: Measurement | None, other: Measurement | None) -> str:
    """req/s campus ÷ other (p50 campus ÷ other)."""
    if campus is None or other is None:
        return "-"
    return f"{_ratio(_rps(campus), _rps(other))} ({_ratio(_p50(campus), _p50(other))})"


def summary(runs: Sequence[BackendRun], concurrency: Sequence[int]) -> list[str]:
    by_name = {run.backend: run for run in runs if not run.skipped}
    sqlite, postgres = by_name.get("sqlite"), by_name.get("postgresql")
    if not by_name:
        return []
    clients = SUMMARY_CLIENTS if SUMMARY_CLIENTS in concurrency else max(concurrency)
    lines = [
        f"req/s at {clients} clients (p50 ms with {min(concurrency)} client(s)). The floor's"
        " figures are the better of its two variants', named (`rows`: rows shaped in Python,"
        " `json`: JSON written by the database). Ratios: req/s campus ÷ other (p50 campus ÷"
        " other): above 1 (below 1) means campus is ahead.",
        "",
        "| query | campus SQLite | campus PostgreSQL | PostGraphile | floor SQLite"
        " | floor PostgreSQL | SQLite ÷ PostGraphile | PostgreSQL ÷ PostGraphile"
        " | SQLite ÷ floor | PostgreSQL ÷ floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = list(dict.fromkeys(w for run in by_name.values() for w in workloads(run)))
    for workload in [w for w in names if w != "W"]:

        def at(run: BackendRun | None, server: str, workload: str = workload) -> Measurement | None:
            return find(run, workload, server) if run else None

        cs, cp, pg = at(sqlite, "campus"), at(postgres, "campus"), at(postgres, "postgraphile")
        fs, fp = at(sqlite, "floor"), at(postgres, "floor")
        cells = [_cell(m) for m in (cs, cp, pg, fs, fp)]
        ratios = [_versus(cs, pg), _versus(cp, pg), _versus(cs, fs), _versus(cp, fp)]
        lines.append(f"| {workload} | " + " | ".join(cells + ratios) + " |")
    return lines


def _server(m: Measurement) -> str:
    return f"{m.server} ({m.variant})" if m.variant else m.server


def _table(run: BackendRun, concurrency: Sequence[int]) -> list[str]:
    rates = " | ".join(f"req/s c={c}" for c in concurrency)
    lines = [
        f"| query | server | p50 ms | p95 ms | {rates} | SQL statements | rows | peak RSS MiB |",
        "|---|---|---:|---:|" + "---:|" * len(concurrency) + "---:|---:|---:|",
    ]
    for workload in workloads(run):
        for m in run.measurements:
            if m.workload != workload:
                continue
            if not m.levels:
                blanks = " |" * (len(concurrency) + 5)
                lines.append(f"| {workload} | {m.server} | {m.skipped or '-'} |{blanks}")
                continue
            first, last = m.levels[0], m.levels[-1]
            cells = " | ".join(f"{lv.rps:,.0f}" for lv in m.levels)
            lines.append(
                f"| {workload} | {_server(m)} | {first.p50_ms:.2f} | {first.p95_ms:.2f} | {cells}"
                f" | {_num(m.statements)} | {_num(m.rows)} | {_num(last.peak_rss_mib, 0)} |"
            )
    return lines


def _ratios(run: BackendRun, concurrency: Sequence[int]) -> list[str]:
    top = concurrency[-1]
    lines = [
        "| query | p50 campus / PostGraphile | p50 campus / floor | p50 naive / campus"
        f" | req/s campus / PostGraphile c={top} | req/s campus / floor c={top}"
        f" | req/s campus / naive c={top} | statements naive / campus |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for workload in workloads(run):
        campus, naive, floor, graphile = (
            find(run, workload, s) for s in ("campus", "naive", "floor", "postgraphile")
        )
        if campus is None:
            continue
        c1, ct = campus.levels[0], campus.levels[-1]

        def p50(m: Measurement | None) -> float | None:
            return _best_p50(m)[0] if m else None

        def rps(m: Measurement | None) -> float | None:
            return m.levels[-1].rps if m else None

        lines.append(
            f"| {workload} | {_ratio(c1.p50_ms, p50(graphile))} | {_ratio(c1.p50_ms, p50(floor))}"
            f" | {_ratio(p50(naive), c1.p50_ms)} | {_ratio(ct.rps, rps(graphile))}"
            f" | {_ratio(ct.rps, rps(floor))} | {_ratio(ct.rps, rps(naive))}"
            f" | {_ratio(naive.statements if naive else None, campus.statements)} |"
        )
    return lines


def _notes(run: BackendRun) -> list[str]:
    notes = []
    deep, first = find(run, "Q3 deep", "campus"), find(run, "Q3 first", "campus")
    if deep and first:
        ratio = _ratio(deep.levels[0].p50_ms, first.levels[0].p50_ms)
        notes.append(f"Q3 deep page / first page, campus p50: {ratio}.")
    kept = [
        f"{m.workload} {m.variant} (the other, {o['variant']}: {o['rps']:,.0f} req/s at"
        f" c={m.levels[-1].concurrency}, p50 {o['p50_ms']:.2f} ms)"
        for m in run.measurements
        if m.server == "floor" and m.variant and (o := m.other)
    ]
    if kept:
        notes.append(
            "Floor variant kept per query (more req/s at the top level): " + "; ".join(kept) + "."
        )
    notes += [f"{kind} skipped: {why}" for kind, why in run.servers_skipped.items()]
    notes += [f"W check, {m.server}: {m.check}." for m in run.measurements if m.check]
    transport = ", ".join(f"{k} {v:.2f} ms" for k, v in run.transport_p50_ms.items())
    notes.append(f"HTTP alone (a 404, c=1, p50): {transport}.")
    notes.append(f"Seeding took {run.seed_seconds} s; measuring {run.measure_seconds} s.")
    return notes


def markdown(runs: Sequence[BackendRun], meta: dict[str, Any]) -> str:
    concurrency: list[int] = meta["config"]["concurrency"]
    box = meta["machine"]
    out = [
        "# Campus GraphQL benchmark",
        "",
        f"- Machine: {box['cpu']}, {box['cores']} cores, {box['memory_gib']} GiB;"
        f" {box['os']}; Python {box['python']}; SQLite {box['sqlite']}"
        + (f"; {box['postgresql']}" if box["postgresql"] else ""),
        f"- Data set: {meta['config']['data_set']}.",
        f"- Each level runs {meta['config']['duration']} s after a {meta['config']['warmup']} s"
        " warm-up; p50/p95 are from the first level (one client); peak RSS is the server's"
        f" (all processes) during the c={concurrency[-1]} run.",
        f"- Command: `{meta['command']}`",
    ]
    if lines := summary(runs, concurrency):
        out += ["", "## Summary", "", *lines]
    for run in runs:
        title = f"## {LABELS.get(run.backend, run.backend)}, {run.workers} process(es) per server"
        out += ["", title, ""]
        if run.skipped:
            out.append(f"Skipped: {run.skipped}")
            continue
        out += _table(run, concurrency)
        out += ["", "Ratios (a / b; above 1 means the first is larger):", ""]
        out += _ratios(run, concurrency)
        out += ["", *(f"- {note}" for note in _notes(run))]
    return "\n".join(out) + "\n"
