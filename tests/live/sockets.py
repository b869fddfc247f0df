"""A graphql-transport-ws client over the app, as the `graphql-ws` library speaks it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.config import Settings
from server.db.engine import Database
from server.http.app import create_app
from server.live import Hub
from tests.people import add_user
from tests.rows import add_course, add_student
from tests.support import GraphQLClient, gid

__all__ = ["Cast", "LiveApp", "Socket", "Stall", "link", "seed_cast", "serve_live"]

PROTOCOL = "graphql-transport-ws"
WAIT_SECONDS = 10.0


class Socket:
    """One WebSocket connection, acknowledged; subscriptions by id."""

    def __init__(self, ws: AsyncWebSocketSession) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_json(message)

    async def receive(self, seconds: float = WAIT_SECONDS) -> dict[str, Any]:
        """The next message, answering the server's pings on the way."""
        while True:
            message: dict[str, Any] = await self.ws.receive_json(timeout=seconds)
            if message.get("type") != "ping":
                return message
            await self.send({"type": "pong"})

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        operation = str(next(self._ids))
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation, "type": "subscribe", "payload": payload})
        return operation

    async def next_data(self, seconds: float = WAIT_SECONDS) -> tuple[str, dict[str, Any]]:
        """The next event: (subscription id, data); anything else fails the test."""
        message = await self.receive(seconds)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["id"], message["payload"]["data"]

    async def events(self, n: int) -> list[dict[str, Any]]:
        """The data of the next ``n`` events, whichever subscription they are for."""
        return [(await self.next_data())[1] for _ in range(n)]

    async def silent(self, seconds: float = 0.3) -> None:
        """Nothing arrives for a while (after the events a test waits for have come)."""
        try:
            message = await self.receive(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message: {message}")


class Stall:
    """A network that stops carrying messages to clients that ask for it (a slow consumer).

    A connection opened with the header ``x-stall`` gets its acknowledgement,
    then nothing more until ``release``: the server's sends to it wait, as
    they would on a client that stopped reading. Closing is not held up.
    """

    def __init__(self) -> None:
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()

    def __call__(self, app: ASGIApp) -> ASGIApp:
        async def stalling(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "websocket" or b"x-stall" not in dict(scope["headers"]):
                await app(scope, receive, send)
                return
            sent = 0

            async def slow_send(message: Message) -> None:
                nonlocal sent
                if message["type"] == "websocket.send":
                    sent += 1
                    if sent > 1:
                        await self.released.wait()
                await send(message)

            await app(scope, receive, slow_send)

        return stalling


@dataclass
class LiveApp:
    """The app over a database of its own (changes really commit), with sockets to it."""

    app: Starlette
    http: httpx.AsyncClient
    client: GraphQLClient
    database: Database
    settings: Settings

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.hub
        return hub

    @asynccontextmanager
    async def socket(
        self, payload: dict[str, Any] | None = None, **headers: str
    ) -> AsyncIterator[Socket]:
        """A connection, initialised (and acknowledged) with ``payload``."""
        async with self.connect(**headers) as socket:
            ack = await socket.init(payload)
            assert ack["type"] == "connection_ack", ack
            yield socket

    @asynccontextmanager
    async def connect(self, **headers: str) -> AsyncIterator[Socket]:
        """A connection, not yet initialised."""
        connection: AbstractAsyncContextManager[AsyncWebSocketSession] = aconnect_ws(
            "/graphql", self.http, subprotocols=[PROTOCOL], headers=headers
        )
        async with connection as ws:
            yield Socket(ws)

    @property
    def serving(self) -> int:
        """Subscriptions being served, their events collected."""
        return self.hub.fanout.members

    async def subscribed(self, n: int) -> None:
        """Wait until ``n`` subscriptions are served (a subscribe message has no answer)."""
        async with asyncio.timeout(WAIT_SECONDS):
            while self.serving != n:  # noqa: ASYNC110 (the hub has nothing to await)
                await asyncio.sleep(0.005)


@asynccontextmanager
async def serve_live(
    settings: Settings, wrap: Callable[[ASGIApp], ASGIApp] | None = None
) -> AsyncIterator[LiveApp]:
    """The app over the database ``settings`` name, with an engine of its own.

    ``wrap`` puts something between the client and the app (a slow network).
    """
    database = Database(settings)
    app = create_app(settings, database)
    transport = ASGIWebSocketTransport(app=app if wrap is None else wrap(app))
    # The transport's task group must be left by the task that entered it, and
    # a fixture's teardown may run in another task than its set-up.
    entered, leave = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with transport:
            entered.set()
            await leave.wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    try:
        yield LiveApp(app, http, GraphQLClient(http), database, settings)
    finally:
        await app.state.hub.close()
        leave.set()
        await holder
        await database.dispose()


@dataclass(frozen=True)
class Cast:
    """The rows a live test starts from: an admin, three users, three students, some courses."""

    admin: int
    users: tuple[int, int, int]
    students: list[int]
    courses: list[int]


async def seed_cast(settings: Settings, *, courses: int) -> Cast:
    """The cast, committed to the database ``settings`` name (students "Student 0", …)."""
    database = Database(settings)
    async with database.engine.begin() as conn:
        admin = await add_user(conn, "admin", is_admin=True)
        ann, ben, cal = [await add_user(conn, name) for name in ("ann", "ben", "cal")]
        students = [await add_student(conn, f"Student {i}") for i in range(3)]
        course_ids = [await add_course(conn, f"C{i}") for i in range(courses)]
    await database.dispose()
    return Cast(admin, (ann, ben, cal), students, course_ids)


def link(student: int, course: int) -> dict[str, str]:
    """The variables of an enroll or withdraw mutation: ``$s`` and ``$c``."""
    return {"s": gid("Student", student), "c": gid("Course", course)}
