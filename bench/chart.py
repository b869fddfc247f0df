"""A chart per back end: throughput and p95 by concurrency, every server, one column per query."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.measure import SERVERS, BackendRun
from bench.report import LABELS, find, workloads

__all__ = ["chart"]

_COLORS = {
    "campus": "tab:blue",
    "naive": "tab:red",
    "floor": "tab:green",
    "postgraphile": "tab:purple",
}


def chart(run: BackendRun, concurrency: Sequence[int], path: Path) -> None:
    """Throughput and p95 by concurrency; the floor in its faster variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")

    shown = [w for w in workloads(run) if find(run, w, "campus")]
    figure, axes = plt.subplots(2, len(shown), figsize=(3.2 * len(shown), 6.4), squeeze=False)
    for column, workload in enumerate(shown):
        top, bottom = axes[0][column], axes[1][column]
        for server in SERVERS:
            m = find(run, workload, server)
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
    label = LABELS.get(run.backend, run.backend)
    figure.suptitle(
        f"Campus GraphQL, PostGraphile, naive N+1 and the raw-SQL floor — {label},"
        f" {run.workers} process(es) each"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
