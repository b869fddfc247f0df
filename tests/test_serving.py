"""Serving: the shared listener keeps Nagle's algorithm off; the number of workers; the loop."""

from __future__ import annotations

import asyncio
import os
import socket

import click
import pytest
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.serving import TcpConfig, cpu_count, worker_count


async def test_connections_accepted_on_the_shared_listener_have_tcp_nodelay() -> None:
    config = TcpConfig("server.app:create_app", factory=True, host="127.0.0.1", port=0)
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


def test_uvicorn_serves_with_httptools_and_uvloop() -> None:
    """What uvicorn's defaults (``auto``) pick once uvicorn[standard] is installed."""
    config = TcpConfig("server.app:create_app", factory=True)
    assert (config.loop, config.http) == ("auto", "auto")
    assert AutoHTTPProtocol is HttpToolsProtocol
    loop = config.get_loop_factory()
    assert loop is not None
    created = loop()
    try:
        assert type(created).__module__.startswith("uvloop")
    finally:
        created.close()
