"""Subscriptions over WebSocket: Strawberry's graphql-transport-ws handler, with our rules.

- a keep-alive: the server pings every ``CAMPUS_PING_SECONDS`` and closes a
  connection whose client has not answered the previous ping (4504);
- unexpected errors masked as over HTTP;
- a cap on open connections per worker (1013 past it);
- a subscription is first checked on its own (its arguments, its viewer, the
  query limits), then served by its group's one run (``server.live.fanout``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable, Mapping
from typing import Any, Protocol, TypeVar, cast

import orjson
from graphql import GraphQLError, GraphQLFormattedError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ErrorMessage,
    PongMessage,
    SubscribeMessage,
)
from strawberry.types.execution import PreExecutionError
from strawberry.utils.aio import aclosing

from server.documents.store import DocumentRefusedError, DocumentStore
from server.live.fanout import Member, Opening, opening
from server.live.groups import SocketContext, group_key, operation_type, serve_group

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
        await self.send_frame(orjson.dumps(message).decode())

    async def send_frame(self, text: str) -> None:
        """Send one message already encoded."""
        try:
            await self.ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as error:  # closed, or closing meanwhile
            raise WebSocketDisconnected from error


ContextT = TypeVar("ContextT", bound=SocketContext)


class _MaskingView(Protocol):
    def mask_error(self, error: GraphQLError) -> GraphQLError: ...


class _MaskedSchema:
    """The schema as the handler uses it (``stream``), errors masked as the view masks them."""

    def __init__(self, schema: Any, mask: Callable[[GraphQLError], GraphQLError]) -> None:
        self._schema = schema
        self._mask = mask

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        return self._masked(await self._schema.stream(*args, **kwargs))

    async def _masked(self, source: Any) -> AsyncGenerator[Any, None]:
        first = True
        async with aclosing(source):
            async for result in source:
                if getattr(result, "errors", None):
                    result.errors = [self._mask(error) for error in result.errors]
                    if first and result.data is None:
                        # Refused before any event (a query limit): the protocol's
                        # `error` message, as for a bad argument, not a `next`.
                        result = PreExecutionError(data=None, errors=result.errors)
                first = False
                yield result


class LiveHandler(BaseGraphQLTransportWSHandler[ContextT, None]):
    """graphql-transport-ws as Strawberry speaks it, with a keep-alive and masked errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.context.settings
        # The view (the HTTP surface) says how errors are masked, as over HTTP.
        view = cast("_MaskingView", self.view)
        self.schema = _MaskedSchema(self.schema, view.mask_error)  # type: ignore[assignment]
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

    async def run_operation(self, operation: Operation[ContextT, None]) -> None:
        """A subscription joins its group once its own checks pass; anything else runs alone."""
        hub = self.context.hub
        is_subscription = (
            operation_type(operation.query, operation.operation_name) == "subscription"
        )
        if hub is None or not is_subscription:
            await super().run_operation(operation)
            return
        try:
            audience = await self._checked(operation)
            if audience is None:
                # Refused (the error is sent), or a field that names no audience,
                # which its check has served alone.
                await operation.send_operation_message(
                    CompleteMessage(id=operation.id, type="complete")
                )
                return
            key = group_key(operation, audience)
            assert isinstance(self.websocket, TextFrames)
            assert self.context.close_socket is not None
            member = Member(
                operation.id,
                self.websocket.send_frame,
                self.context.close_socket,
                self.context.settings.subscription_queue,
            )
            source = functools.partial(serve_group, self.schema, self.context.fresh(), operation)
            try:
                await hub.fanout.join(key, member, source)
                ended = await member.run()
            finally:
                hub.fanout.leave(member)
            if ended.errors is not None:
                await operation.send_operation_message(
                    ErrorMessage(id=operation.id, type="error", payload=ended.errors)
                )
            else:
                await operation.send_operation_message(
                    CompleteMessage(id=operation.id, type="complete")
                )
        except WebSocketDisconnected:
            pass
        except Exception as error:  # as Strawberry's own operations end on one
            await self.handle_task_exception(error)
            self.operations.pop(operation.id, None)

    async def _checked(self, operation: Operation[ContextT, None]) -> Hashable | None:
        """Run the subscription's checks alone; its audience if they pass, else None (sent)."""
        probe = Opening(probe=True)
        token = opening.set(probe)
        try:
            checks = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                operation_name=operation.operation_name,
            )
            async with aclosing(checks):
                await self._send_result_stream(operation, checks)
        finally:
            opening.reset(token)
        return None if operation.completed else probe.audience

    async def shutdown(self) -> None:
        if self._keep_alive is not None:
            self._keep_alive.cancel()
            await asyncio.gather(self._keep_alive, return_exceptions=True)
        await super().shutdown()
