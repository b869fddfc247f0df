"""A minimal keep-alive HTTP/1.1 client over asyncio streams.

The load generator shares two cores with the server it measures, so it must
cost as little as possible per request: requests are prepared as bytes once
and responses are read by ``Content-Length`` (or chunks) without further
parsing. httpx would spend several times more CPU per request here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

__all__ = ["HttpConnection", "HttpError", "build_request", "json_request"]


class HttpError(Exception):
    """The server answered with something that is not HTTP/1.1 as we speak it."""


def build_request(
    method: str,
    host: str,
    port: int,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_request(
    host: str, port: int, path: str, payload: Any, headers: dict[str, str] | None = None
) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return build_request("POST", host, port, path, body, headers)


class HttpConnection:
    """One persistent connection; reconnects when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a prepared request; the status and the body of the answer."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(
                self.host, self.port, limit=1 << 22
            )
        assert self._reader is not None
        self._writer.write(raw)
        status, length, chunked, close = await self._head(self._reader)
        if chunked:
            body = await self._chunks(self._reader)
        else:
            body = await self._reader.readexactly(length)
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    async def _head(reader: asyncio.StreamReader) -> tuple[int, int, bool, bool]:
        status_line = await reader.readline()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"not an HTTP response: {status_line!r}")
        status = int(parts[1])
        length, chunked, close = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        return status, length, chunked, close

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        body = bytearray()
        while size := int((await reader.readline()).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        while await reader.readline() not in (b"\r\n", b""):
            pass
        return bytes(body)
