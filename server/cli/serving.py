"""Running the app under uvicorn: one process, several workers, or the reloader.

This is ``uvicorn.run``'s dispatch with one difference: the listening socket
that several workers (or the reloader's child) share is made as a TCP socket
(``IPPROTO_TCP``). uvicorn makes it with protocol 0; accepted connections
inherit that, and asyncio only turns ``TCP_NODELAY`` on for TCP sockets, so
with ``--workers 2`` or more every keep-alive request after a connection's
first waited ~40 ms for the client's delayed ACK (uvicorn issue #3149). A
single worker is unaffected: asyncio binds that listener itself.

The HTTP parser is uvicorn's ``auto``: httptools, which uvicorn[standard]
installs. The event loop is asyncio's unless ``--loop uvloop`` asks for
uvloop: measured side by side (README, "Performance"), uvloop saved nothing
on small pages beyond the machine's noise and cost the large nested answers
up to a tenth more CPU; the Python work of a request profiles the same on
both, so what a deployment gains from uvloop depends on its own load.

WebSockets open when the server stops are closed with 1001 (going away), the
code browsers and the `graphql-ws` client know as "the server went down",
rather than uvicorn's 1012 (service restart).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Any

import click
import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.supervisors import ChangeReload, Multiprocess

__all__ = ["LOOPS", "GoingAwayProtocol", "TcpConfig", "cpu_count", "run", "worker_count"]

LOOPS = ("asyncio", "uvloop")  # what ``campus serve --loop`` offers, the default first
STARTUP_FAILURE = 3  # what uvicorn exits with when the server did not start
GOING_AWAY = 1001


class GoingAwayProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, but an open socket is closed with 1001 at shutdown."""

    def shutdown(self) -> None:
        if not self.handshake_complete or self.close_sent:
            super().shutdown()
            return
        self.stop_keepalive()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": GOING_AWAY})
        self.conn.send_close(GOING_AWAY, "The server is shutting down")
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.transport.close()


def cpu_count() -> int:
    """The CPUs this process may run on: its affinity, which a container's limit sets."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(value: str) -> int:
    """``--workers``: a number of processes, or ``auto`` for one per CPU (``cpu_count``)."""
    if value.strip().lower() == "auto":
        return cpu_count()
    try:
        count = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither a number nor 'auto'") from None
    if count < 1:
        raise click.BadParameter(f"{count} is not a number of workers: at least 1")
    return count


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration, binding the shared listener as a TCP socket."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def run(app: str, **options: Any) -> None:
    """Serve ``app`` (an import string) as ``uvicorn.run(app, **options)`` would."""
    config = TcpConfig(app, **{"ws": GoingAwayProtocol, **options})
    server = uvicorn.Server(config)
    try:
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            # uvicorn raises the signal it stopped for again once it has drained;
            # that stop was clean, so the process exits 0 instead of dying of it.
            signal.signal(signal.SIGTERM, lambda sig, frame: None)
            server.run()
    except KeyboardInterrupt:
        pass
    if not server.started and not config.should_reload and config.workers == 1:
        sys.exit(STARTUP_FAILURE)
