"""Serving: the shared listener keeps Nagle's algorithm off; the number of workers; the loop."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import click
import httpx
import pytest
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.cli.serving import TcpConfig, cpu_count, worker_count
from tests.processes import campus_serve


async def test_connections_accepted_on_the_shared_listener_have_tcp_nodelay() -> None:
    config = TcpConfig("server.http.app:create_app", factory=True, host="127.0.0.1", port=0)
    listener = config.bind_socket()
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(record, sock=listener)
    async with server:
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        assert await asyncio.wait_for(accepted, timeout=10) != 0
        writer.close()


def test_workers_auto_is_one_per_cpu_this_process_may_use() -> None:
    assert worker_count("auto") == worker_count(" AUTO ") == cpu_count()
    assert cpu_count() == len(os.sched_getaffinity(0))
    assert worker_count("3") == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", ""])
def test_a_worker_count_that_is_neither_a_number_nor_auto_is_refused(value: str) -> None:
    with pytest.raises(click.BadParameter):
        worker_count(value)


def test_uvicorn_parses_http_with_httptools() -> None:
    """What uvicorn's ``auto`` parser is once uvicorn[standard] is installed."""
    assert TcpConfig("server.http.app:create_app", factory=True).http == "auto"
    assert AutoHTTPProtocol is HttpToolsProtocol


@pytest.mark.parametrize(("arguments", "loop"), [((), "asyncio"), (("--loop", "uvloop"), "uvloop")])
def test_campus_serve_runs_on_the_event_loop_asked_for(
    tmp_path: Path, arguments: tuple[str, ...], loop: str
) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'campus.db'}"}
    log = tmp_path / "serve.log"
    with campus_serve(env, log, arguments=("--no-demo", *arguments)) as served:
        assert httpx.get(f"{served.base}/healthz", timeout=10).status_code == 200
    assert f"runs on the {loop} event loop" in log.read_text()
