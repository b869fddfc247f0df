"""Driving load: closed-loop clients for a fixed time, latencies and throughput.

Each client owns one keep-alive connection and sends its next request as soon
as the previous answer is read. A whole run is bounded: if the server stops
answering, the run fails after ``duration + stall`` seconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.httpclient import HttpConnection
from bench.servers import BenchError

__all__ = ["Level", "Send", "percentile", "read_sender", "run_level"]

# Sends one request on the connection for client ``i``; whether the answer was right.
Send = Callable[[HttpConnection, int], Awaitable[bool]]


@dataclass(frozen=True)
class Level:
    """One measured run at one concurrency."""

    concurrency: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    peak_rss_mib: float | None = None


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def read_sender(request: bytes) -> Send:
    """A sender for a read: 200 with ``data`` and no ``errors`` is right."""

    async def send(connection: HttpConnection, client: int) -> bool:
        status, body = await connection.request(request)
        return status == 200 and body.startswith(b'{"data"') and b'"errors":' not in body

    return send


async def run_level(
    host: str, port: int, send: Send, concurrency: int, duration: float, *, stall: float = 60.0
) -> Level:
    """Run ``concurrency`` clients for ``duration`` seconds."""
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + duration

    async def client(index: int) -> None:
        nonlocal errors
        connection = HttpConnection(host, port)
        try:
            while (sent := time.perf_counter()) < deadline:
                ok = await send(connection, index)
                latencies.append(time.perf_counter() - sent)
                errors += not ok
        finally:
            await connection.close()

    try:
        async with asyncio.timeout(duration + stall):
            await asyncio.gather(*(client(i) for i in range(concurrency)))
    except TimeoutError:
        raise BenchError(f"the server stopped answering for {stall:.0f} s") from None
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Level(
        concurrency=concurrency,
        seconds=round(elapsed, 3),
        requests=len(latencies),
        errors=errors,
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(latencies, 50) * 1000, 2),
        p95_ms=round(percentile(latencies, 95) * 1000, 2),
        p99_ms=round(percentile(latencies, 99) * 1000, 2),
    )
