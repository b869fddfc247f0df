"""The results: JSON, a markdown table with the ratios, and a chart per back end."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.run import BackendRun, Measurement

__all__ = ["chart", "machine", "markdown"]

SERVERS = ("campus", "naive", "floor")
_COLORS = {"campus": "tab:blue", "naive": "tab:red", "floor": "tab:green"}
_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


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


def _find(run: BackendRun, workload: str, server: str) -> Measurement | None:
    for m in run.measurements:
        if m.workload == workload and m.server == server and m.levels:
            return m
    return None


def _workloads(run: BackendRun) -> list[str]:
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


def _table(run: BackendRun, concurrency: Sequence[int]) -> list[str]:
    rates = " | ".join(f"req/s c={c}" for c in concurrency)
    lines = [
        f"| query | server | p50 ms | p95 ms | {rates} | SQL statements | rows | peak RSS MiB |",
        "|---|---|---:|---:|" + "---:|" * len(concurrency) + "---:|---:|---:|",
    ]
    for workload in _workloads(run):
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
                f"| {workload} | {m.server} | {first.p50_ms:.2f} | {first.p95_ms:.2f} | {cells}"
                f" | {_num(m.statements)} | {_num(m.rows)} | {_num(last.peak_rss_mib, 0)} |"
            )
    return lines


def _ratios(run: BackendRun, concurrency: Sequence[int]) -> list[str]:
    rates = " | ".join(f"c={c}" for c in concurrency)
    lines = [
        "| query | p50 campus / floor | p50 naive / campus"
        f" | req/s campus / naive: {rates} | req/s campus / floor c={concurrency[-1]}"
        " | statements naive / campus |",
        "|---|---:|---:|" + "---:|" * len(concurrency) + "---:|---:|",
    ]
    for workload in _workloads(run):
        campus, naive, floor = (_find(run, workload, s) for s in SERVERS)
        if campus is None:
            continue
        c1 = campus.levels[0]
        vs_naive = " | ".join(
            _ratio(lv.rps, naive.levels[i].rps if naive else None)
            for i, lv in enumerate(campus.levels)
        )
        lines.append(
            f"| {workload} | {_ratio(c1.p50_ms, floor.levels[0].p50_ms if floor else None)}"
            f" | {_ratio(naive.levels[0].p50_ms if naive else None, c1.p50_ms)}"
            f" | {vs_naive}"
            f" | {_ratio(campus.levels[-1].rps, floor.levels[-1].rps if floor else None)}"
            f" | {_ratio(naive.statements if naive else None, campus.statements)} |"
        )
    return lines


def _notes(run: BackendRun) -> list[str]:
    notes = []
    deep, first = _find(run, "Q3 deep", "campus"), _find(run, "Q3 first", "campus")
    if deep and first:
        ratio = _ratio(deep.levels[0].p50_ms, first.levels[0].p50_ms)
        notes.append(f"Q3 deep page / first page, campus p50: {ratio}.")
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
        " warm-up; p50/p95 are from the sequential run (c=1); peak RSS is the server's"
        f" (all processes) during the c={concurrency[-1]} run.",
        f"- Command: `{meta['command']}`",
    ]
    for run in runs:
        title = f"## {_LABELS.get(run.backend, run.backend)}, {run.workers} worker(s)"
        out += ["", title, ""]
        if run.skipped:
            out.append(f"Skipped: {run.skipped}")
            continue
        out += _table(run, concurrency)
        out += ["", "Ratios (a / b; above 1 means the first is larger):", ""]
        out += _ratios(run, concurrency)
        out += ["", *(f"- {note}" for note in _notes(run))]
    return "\n".join(out) + "\n"


def chart(run: BackendRun, concurrency: Sequence[int], path: Path) -> None:
    """Throughput and p95 by concurrency, campus vs naive vs floor, one column per query."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")

    workloads = [w for w in _workloads(run) if _find(run, w, "campus")]
    figure, axes = plt.subplots(
        2, len(workloads), figsize=(3.2 * len(workloads), 6.4), squeeze=False
    )
    for column, workload in enumerate(workloads):
        top, bottom = axes[0][column], axes[1][column]
        for server in SERVERS:
            m = _find(run, workload, server)
            if m is None:
                continue
            xs = [lv.concurrency for lv in m.levels]
            style = {"color": _COLORS[server], "marker": "o", "label": server}
            top.plot(xs, [lv.rps for lv in m.levels], **style)
            bottom.plot(xs, [lv.p95_ms for lv in m.levels], **style)
        top.set_title(workload)
        for axis in (top, bottom):
            axis.set_xscale("log", base=2)
            axis.set_yscale("log")
            axis.set_xticks(list(concurrency), [str(c) for c in concurrency])
            axis.xaxis.set_minor_formatter(NullFormatter())
            axis.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.yaxis.set_major_formatter(plain)
            axis.yaxis.set_minor_formatter(NullFormatter())
            axis.grid(True, which="both", alpha=0.3)
        bottom.set_xlabel("concurrent clients")
    axes[0][0].set_ylabel("requests/s")
    axes[1][0].set_ylabel("p95 latency, ms")
    axes[0][0].legend(loc="best", fontsize="small")
    label = _LABELS.get(run.backend, run.backend)
    figure.suptitle(
        f"Campus GraphQL vs naive N+1 vs raw-SQL floor — {label}, {run.workers} worker(s)"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
