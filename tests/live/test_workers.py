"""Subscribers on every worker of `campus serve --workers 2` get every committed event.

Real processes, real TCP sockets (the `websockets` client), one database:
an SQLite file or PostgreSQL. Each mutation goes out on a connection of its
own, so that writers and subscribers land on either worker.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from server.config import Settings
from server.db.engine import Database
from tests.people import add_user, bearer
from tests.processes import campus_serve, server_env
from tests.rows import add_course, add_student
from tests.support import gid

PROTOCOL = Subprotocol("graphql-transport-ws")
SOCKETS = 6
CHANGES = 20
ROSTER = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
  change studentId student { name } } }"""
ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""
WITHDRAW = """mutation ($s: ID!, $c: ID!) { withdrawStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""


@pytest.fixture
def server(settings: Settings, own_database_url: str, tmp_path: Path) -> Iterator[Any]:
    """`campus serve --workers 2`; yields (base URL, process)."""
    env = server_env(settings, own_database_url, CAMPUS_POOL_SIZE="3")
    with campus_serve(env, tmp_path / "serve.log", workers=2) as served:
        yield served.base, served.process


@pytest.fixture
async def world(settings: Settings, own_database_url: str) -> dict[str, Any]:
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.begin() as conn:
        admin = await add_user(conn, "admin", is_admin=True)
        course = await add_course(conn, "C1")
        primer, student = await add_student(conn, "Primer"), await add_student(conn, "Sam")
    await database.dispose()
    return {
        "admin": bearer(settings, admin),
        "course": gid("Course", course),
        "primer": gid("Student", primer),
        "student": gid("Student", student),
    }


async def _socket(stack: AsyncExitStack, base: str, course: str) -> ClientConnection:
    ws = await stack.enter_async_context(
        connect(base.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL])
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    subscribe = {"query": ROSTER, "variables": {"id": course}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    return ws


async def _events(ws: ClientConnection, seen: list[dict[str, Any]]) -> None:
    """Collect every event the socket gets (until it closes)."""
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
        else:
            assert message["type"] == "next", message
            seen.append(message["payload"]["data"]["courseRosterChanged"])


async def _change(base: str, query: str, variables: dict[str, str], headers: Any) -> None:
    # A connection per request: the next one may be accepted by the other worker.
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text


async def _until(condition: Any, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (the sockets' readers fill the lists)
            await asyncio.sleep(0.02)


async def test_every_socket_on_either_worker_gets_every_event_then_1001(
    server: Any, world: dict[str, Any]
) -> None:
    base, process = server
    admin, course = world["admin"], world["course"]
    async with AsyncExitStack() as stack:
        sockets = [await _socket(stack, base, course) for _ in range(SOCKETS)]
        seen: list[list[dict[str, Any]]] = [[] for _ in sockets]
        readers = [
            asyncio.create_task(_events(ws, got)) for ws, got in zip(sockets, seen, strict=True)
        ]
        # A subscribe message has no answer: change the primer's link until
        # every socket has heard of it, then they are all listening.
        primer = {"s": world["primer"], "c": course}
        for i in range(100):
            await _change(base, WITHDRAW if i % 2 else ENROLL, primer, admin)
            if all(got for got in seen):
                break
        else:
            pytest.fail("not every socket became ready")
        link = {"s": world["student"], "c": course}
        for i in range(CHANGES):
            await _change(base, WITHDRAW if i % 2 else ENROLL, link, admin)

        def sams(got: list[dict[str, Any]]) -> list[str]:
            return [e["change"] for e in got if e["studentId"] == world["student"]]

        await _until(lambda: all(len(sams(got)) >= CHANGES for got in seen))
        for got in seen:
            assert sams(got) == ["ADDED", "REMOVED"] * (CHANGES // 2)
            assert {e["student"]["name"] for e in got} <= {"Primer", "Sam"}
        process.send_signal(signal.SIGTERM)
        await asyncio.gather(*readers, return_exceptions=True)
        codes = [ws.close_code for ws in sockets]
    assert codes == [1001] * SOCKETS
