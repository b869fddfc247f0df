"""The listener that several workers share keeps Nagle's algorithm off."""

from __future__ import annotations

import asyncio
import socket

from server.serving import TcpConfig


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
