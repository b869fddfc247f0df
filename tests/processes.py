"""Real ``campus serve`` processes, for the tests that need a server of their own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.config import Settings

__all__ = ["CAMPUS", "Served", "campus_serve", "server_env"]

CAMPUS = str(Path(sys.executable).with_name("campus"))
READY_WITHIN_SECONDS = 60


@dataclass(frozen=True)
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def server_env(settings: Settings, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server over ``database_url`` signing as ``settings`` do."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAMPUS_SECRET_KEY": settings.secret_key or "",
        "CAMPUS_PASSWORD_PROFILE": "CHEAPEST",
        **extra,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def campus_serve(
    env: Mapping[str, str],
    log: Path,
    *,
    workers: int = 1,
    arguments: Sequence[str] = ("--no-demo",),
    console: bool = True,
) -> Iterator[Served]:
    """``campus serve`` in ``log``'s directory, once ready; stopped with SIGTERM at the end.

    Its standard error goes to ``log``, and its standard output too unless
    ``console`` is false (a log read line by line then holds log lines only).
    """
    port = _free_port()
    command = [CAMPUS, "serve", *arguments, "--workers", str(workers), "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=log.parent,
            env=dict(env),
            stdout=out if console else subprocess.DEVNULL,
            stderr=out,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + READY_WITHIN_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail(
                    f"campus serve did not become ready within {READY_WITHIN_SECONDS} s:\n"
                    + log.read_text()[-2000:]
                )
            yield Served(base, process, log)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=30)
