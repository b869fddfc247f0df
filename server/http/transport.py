"""What the GraphQL endpoint takes on the wire, checked before the view reads the body.

A POST must be JSON: a form or ``text/plain`` — what a page on another site
can make a browser post without asking first — never reaches a resolver. A
body over the cap is refused from its declared length when it has one, and
otherwise as soon as the bytes received pass the cap, without reading on.
JSON whose text holds a lone surrogate is refused as it is read.
"""

from __future__ import annotations

import json
import re

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TransportRules", "load_json", "refusal"]

_SURROGATE = re.compile("[\ud800-\udfff]")


class _LoneSurrogateError(json.JSONDecodeError):
    """JSON that escapes half a surrogate pair (``"\\ud800"``): no character at all.

    JSON lets a string say it, but it is no text: it cannot be written as
    UTF-8, so neither stored, nor compared with what is stored, nor sent back.
    """

    def __init__(self, surrogate: str) -> None:
        message = f"a string holds a lone surrogate (U+{ord(surrogate):04X}), which is no character"
        super().__init__(message, "", 0)

    def __str__(self) -> str:
        return self.msg


def load_json(data: str | bytes) -> object:
    """The JSON value of ``data``; a ``JSONDecodeError`` also for a lone surrogate in it."""
    value = json.loads(data)
    pending = [value]
    while pending:  # not recursive: the value may be nested as deep as json.loads allows
        item = pending.pop()
        if isinstance(item, str):
            if found := _SURROGATE.search(item):
                raise _LoneSurrogateError(found.group())
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return value


def refusal(status_code: int, message: str) -> JSONResponse:
    """A request refused before it ran, in the shape of a GraphQL response's errors."""
    return JSONResponse({"errors": [{"message": message}]}, status_code=status_code)


class _BodyTooLargeError(Exception):
    pass


def _with_content_type(scope: Scope, value: str) -> list[tuple[bytes, bytes]]:
    kept = [(name, raw) for name, raw in scope["headers"] if name.lower() != b"content-type"]
    return [*kept, (b"content-type", value.encode("latin-1"))]


class TransportRules:
    """Pure ASGI around the GraphQL view: 415 for a POST that is not JSON, 413 over the cap."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        media_type, separator, parameters = headers.get("content-type", "").partition(";")
        media_type = media_type.strip().lower()
        if scope["method"] == "POST" and media_type != "application/json":
            message = f"Expected Content-Type application/json, got {media_type or 'none'}"
            await refusal(415, message)(scope, receive, send)
            return
        if "content-type" in headers:
            # Media types are case-insensitive (RFC 9110 §8.3.1), but the view
            # compares them as written: hand it the lower-case form.
            scope = dict(
                scope, headers=_with_content_type(scope, media_type + separator + parameters)
            )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLargeError:
            # The view reads the whole body before it answers: nothing has been sent yet.
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is over the limit of {self.max_body_bytes} bytes"
        await refusal(413, message)(scope, receive, send)
