"""Subscriptions over WebSocket: Strawberry's graphql-transport-ws handler, with our rules.

- a keep-alive: the server pings every ``CAMPUS_PING_SECONDS`` and closes a
  connection whose client has not answered the previous ping (4504);
- unexpected errors masked as over HTTP;
- a cap on open connections per worker (1013 past it).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import orjson
from graphql import GraphQLFormattedError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    PongMessage,
    SubscribeMessage,
)
from strawberry.types.execution import PreExecutionError
from strawberry.utils.aio import aclosing

from schema.context import Context
from schema.errors import mask
from server.persisted import DocumentRefusedError, DocumentStore

__all__ = [
    "KEEP_ALIVE_TIMEOUT",
    "TOO_MANY",
    "LiveHandler",
    "Sockets",
    "TextFrames",
    "sockets",
]

TOO_MANY = 1013
KEEP_ALIVE_TIMEOUT = 4504


class Sockets:
    """The open WebSockets of this process, counted against the cap."""

    def __init__(self) -> None:
        self._open: weakref.WeakSet[WebSocket] = weakref.WeakSet()
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._open)

    def add(self, websocket: WebSocket) -> None:
        self._open.add(websocket)

    def discard(self, websocket: WebSocket) -> None:
        self._open.discard(websocket)

    def close_later(self, websocket: WebSocket, code: int, reason: str) -> None:
        """Close the socket from a task of its own (the caller may be inside its send)."""
        task = asyncio.ensure_future(_close(websocket, code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


sockets = Sockets()
"""This process's sockets: every app in it counts against the same cap and shutdown."""


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError):  # closed meanwhile
            await websocket.close(code=code, reason=reason)


class TextFrames(ASGIWebSocketAdapter):
    """Messages as text frames: graphql-ws clients take nothing else (the view encodes bytes)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class _MaskedSchema:
    """The schema as the handler uses it (``stream``), with unexpected errors masked."""

    def __init__(self, schema: Any, *, hide_suggestions: bool) -> None:
        self._schema = schema
        self._hide = hide_suggestions

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        return self._masked(await self._schema.stream(*args, **kwargs))

    async def _masked(self, source: Any) -> AsyncGenerator[Any, None]:
        first = True
        async with aclosing(source):
            async for result in source:
                if getattr(result, "errors", None):
                    result.errors = [mask(e, hide_suggestions=self._hide) for e in result.errors]
                    if first and result.data is None:
                        # Refused before any event (a query limit): the protocol's
                        # `error` message, as for a bad argument, not a `next`.
                        result = PreExecutionError(data=None, errors=result.errors)
                first = False
                yield result


class LiveHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws as Strawberry speaks it, with a keep-alive and masked errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.context.settings
        self.schema = _MaskedSchema(self.schema, hide_suggestions=not settings.suggestions)  # type: ignore[assignment]
        self._ping_seconds = settings.ping_seconds
        self._pong_due = False
        self._keep_alive: asyncio.Task[None] | None = None

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        self._keep_alive = asyncio.create_task(self._ping())

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(self._ping_seconds)
            if self._pong_due:
                reason = f"No pong within {self._ping_seconds:g} s of a ping"
                await self.websocket.close(code=KEEP_ALIVE_TIMEOUT, reason=reason)
                return
            self._pong_due = True
            try:
                await self.send_message({"type": "ping"})
            except WebSocketDisconnected:
                return

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """As over HTTP, the document is the one its hash names, or one the trusted store holds."""
        store: DocumentStore | None = getattr(self.view, "documents", None)
        ready = self.connection_acknowledged and message["id"] not in self.operations
        if store is not None and ready:
            payload: dict[str, Any] = dict(message["payload"])
            extensions = payload.get("extensions")
            try:
                document = await store.resolve(
                    payload.get("query"), extensions if isinstance(extensions, dict) else None
                )
            except DocumentRefusedError as error:
                refusal: GraphQLFormattedError = {
                    "message": error.message,
                    "extensions": {"code": error.code},
                }
                await self.send_message(
                    ErrorMessage(id=message["id"], type="error", payload=[refusal])
                )
                return
            payload["query"] = document.query
            message = {**message, "payload": payload}  # type: ignore[typeddict-item]
        await super().handle_subscribe(message)

    async def handle_pong(self, message: PongMessage) -> None:
        self._pong_due = False

    async def shutdown(self) -> None:
        if self._keep_alive is not None:
            self._keep_alive.cancel()
            await asyncio.gather(self._keep_alive, return_exceptions=True)
        await super().shutdown()
