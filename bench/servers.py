"""Starting and stopping the servers under test, and reading their memory.

Each server is a real process tree (uvicorn, one or more workers) in a
session of its own, listening on a free loopback port. It is always stopped:
SIGTERM to its process group, then SIGKILL if it has not gone within the grace
period. Memory is the peak resident set (``VmHWM``) summed over the tree;
the peak is reset between measurements through ``/proc/<pid>/clear_refs``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BenchError", "RunningServer", "ServerSpec", "free_port", "serve"]

HOST = "127.0.0.1"


class BenchError(Exception):
    """The benchmark cannot go on (a server would not start, a check failed)."""


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server: its command line (``{port}`` is filled in) and environment."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    workers: int = 1
    cwd: Path | None = None


@dataclass
class RunningServer:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def pids(self) -> list[int]:
        """The server's process and all its descendants."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += children.get(pid, [])
        return sorted(found)

    def reset_peak_rss(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_rss_kib(self) -> dict[int, int]:
        """Peak resident memory of each process of the tree, in KiB."""
        peaks: dict[int, int] = {}
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1])
        return peaks

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(
    spec: ServerSpec, log: Path, *, start_timeout: float = 90.0, grace: float = 10.0
) -> Iterator[RunningServer]:
    """Run the server until the block ends; it answers ``/healthz`` on entry."""
    port = free_port()
    argv = [arg.format(port=port) for arg in spec.argv]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            env={**os.environ, **spec.env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=spec.cwd,
            start_new_session=True,
        )
    server = RunningServer(spec, process, port, log)
    try:
        _wait_until_ready(server, start_timeout)
        yield server
    finally:
        _stop(process, grace)


def _wait_until_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"{server.spec.name} exited with {server.process.returncode} before it was"
                f" ready; its log ({server.log}) ends:\n{server.log_tail()}"
            )
        workers = len(server.pids()) - 1
        if _healthy(server.port) and (server.spec.workers == 1 or workers >= server.spec.workers):
            return
        time.sleep(0.1)
    raise BenchError(
        f"{server.spec.name} did not answer /healthz within {timeout:.0f} s;"
        f" its log ({server.log}) ends:\n{server.log_tail()}"
    )


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    # Workers may outlive a supervisor that died: the group goes in any case.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
