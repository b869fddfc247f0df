"""Who may subscribe, bad arguments, limits and hygiene of the WebSocket transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from httpx_ws import WebSocketDisconnect
from sqlalchemy import event

from server.config import Settings
from server.db.engine import Database
from server.documents import table as documents
from server.documents.store import sha256
from tests.live.sockets import LiveApp, Socket, serve_live
from tests.people import add_user, bearer
from tests.rows import add_course, add_student
from tests.support import StatementCounter, gid

ROSTER = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
  change student { name courses { totalCount nodes { code } } } course { code } } }"""
FEED = "subscription { feedArticleAdded { title } }"
ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""

Serve = Callable[..., AbstractAsyncContextManager[LiveApp]]


@pytest.fixture
async def ids(settings: Settings, own_database_url: str) -> dict[str, int]:
    database = Database(Settings(database_url=own_database_url))
    async with database.engine.begin() as conn:
        made = {
            "admin": await add_user(conn, "admin", is_admin=True),
            "ann": await add_user(conn, "ann"),
            "course": await add_course(conn, "C1"),
            "student": await add_student(conn, "Sam"),
        }
    await database.dispose()
    return made


@pytest.fixture
def serve(settings: Settings, own_database_url: str) -> Serve:
    """The live app over the test's own database, with some settings changed."""

    def serving(**changes: Any) -> AbstractAsyncContextManager[LiveApp]:
        return serve_live(replace(settings, database_url=own_database_url, **changes))

    return serving


@pytest.fixture
async def live(serve: Serve) -> AsyncIterator[LiveApp]:
    async with serve() as live:
        yield live


async def _error(live: LiveApp, query: str, variables: dict[str, Any], **init: str) -> Any:
    """The `error` message a subscription gets instead of events."""
    async with live.socket(init) as socket:
        operation = await socket.subscribe(query, variables)
        message = await socket.receive()
    assert (message["type"], message["id"]) == ("error", operation), message
    return message["payload"]


async def _closed(live: LiveApp, payload: dict[str, Any], **headers: str) -> WebSocketDisconnect:
    async with live.connect(**headers) as socket:
        await socket.send({"type": "connection_init", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            await socket.receive()
    return closed.value


async def test_an_invalid_token_closes_the_connection_with_4403(
    live: LiveApp, ids: dict[str, int]
) -> None:
    closed = await _closed(live, {"Authorization": "Bearer not-a-token"})
    assert closed.code == 4403
    closed = await _closed(live, {}, Authorization="Bearer not-a-token")
    assert closed.code == 4403
    revoked = bearer(live.settings, ids["ann"], version=7)["Authorization"]
    assert (await _closed(live, {"authorization": revoked})).code == 4403


async def test_the_payload_token_wins_over_the_header(live: LiveApp, ids: dict[str, int]) -> None:
    good = bearer(live.settings, ids["ann"])["Authorization"]
    async with live.socket({"AUTHORIZATION": good}, Authorization="Bearer junk") as socket:
        await socket.subscribe(FEED)
        await live.subscribed(1)
    async with live.socket(Authorization=good) as socket:  # the header alone will do
        await socket.subscribe(FEED)
        await live.subscribed(1)


async def test_the_feed_needs_a_viewer(live: LiveApp) -> None:
    [error] = await _error(live, FEED, {})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert live.serving == 0


@pytest.mark.parametrize(
    ("query", "type_name"),
    [
        (ROSTER, "Course"),
        ("subscription ($id: ID!) { studentCoursesChanged(studentId: $id) { change } }", "Student"),
        ("subscription ($id: ID!) { followsChanged(userId: $id) { change } }", "User"),
    ],
)
async def test_a_malformed_unknown_or_foreign_id_is_bad_user_input_before_any_event(
    live: LiveApp, ids: dict[str, int], query: str, type_name: str
) -> None:
    for bad in ("%%%", gid(type_name, 999_999), gid("Teacher", 1)):
        [error] = await _error(live, query, {"id": bad})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert live.serving == 0


async def test_query_limits_apply_to_subscription_documents(serve: Serve) -> None:
    deep = """subscription ($id: ID!) { courseRosterChanged(courseId: $id) {
      student { courses { nodes { students { nodes { name } } } } } } }"""
    async with serve(max_depth=5) as live:
        [error] = await _error(live, deep, {"id": gid("Course", 1)})
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["rule"] == "depth"


async def test_the_cost_limit_applies_to_subscription_documents(serve: Serve) -> None:
    async with serve(max_cost=2) as live:
        [error] = await _error(live, ROSTER, {"id": gid("Course", 1)})
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["rule"] == "cost"


async def test_trusted_documents_mode_refuses_other_subscription_documents(
    serve: Serve, own_database_url: str, ids: dict[str, int]
) -> None:
    database = Database(Settings(database_url=own_database_url))
    async with database.transaction() as session:
        await documents.store_trusted(session, {sha256(ROSTER): ROSTER, sha256(ENROLL): ENROLL})
    await database.dispose()
    course = {"id": gid("Course", ids["course"])}
    async with serve(trusted_documents=True) as live:
        [error] = await _error(live, FEED, {})
        assert error == {
            "message": "Only trusted documents run on this server",
            "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"},
        }
        async with live.socket() as socket:  # the trusted one runs, by its text or its hash
            await socket.subscribe(ROSTER, course)
            await socket.send(
                {
                    "id": "by-hash",
                    "type": "subscribe",
                    "payload": {
                        "variables": course,
                        "extensions": {
                            "persistedQuery": {"version": 1, "sha256Hash": sha256(ROSTER)}
                        },
                    },
                }
            )
            await live.subscribed(2)
            admin = bearer(live.settings, ids["admin"])
            variables = {"s": gid("Student", ids["student"]), "c": course["id"]}
            await live.client.query(ENROLL, variables, **admin)
            events = await socket.events(2)
    assert [e["courseRosterChanged"]["change"] for e in events] == ["ADDED", "ADDED"]


async def test_subscriptions_per_connection_are_limited(serve: Serve, ids: dict[str, int]) -> None:
    variables = {"id": gid("Course", ids["course"])}
    async with serve(max_subscriptions=2) as live, live.socket() as socket:
        await socket.subscribe(ROSTER, variables)
        await socket.subscribe(ROSTER, variables)
        third = await socket.subscribe(ROSTER, variables)
        message = await socket.receive()
        assert (message["type"], message["id"]) == ("error", third)
        assert "limit" in message["payload"][0]["message"]
        await live.subscribed(2)


async def test_a_connection_that_never_initialises_is_closed(serve: Serve) -> None:
    async with serve(connection_init_timeout_seconds=0.2) as live, live.connect() as socket:
        with pytest.raises(WebSocketDisconnect) as closed:
            await socket.receive()
    assert closed.value.code == 4408


async def test_a_client_that_stops_answering_pings_is_closed(serve: Serve) -> None:
    async with serve(ping_seconds=0.1) as live, live.socket() as socket:
        assert (await socket.ws.receive_json(timeout=5)) == {"type": "ping"}
        await socket.send({"type": "pong"})
        assert (await socket.ws.receive_json(timeout=5)) == {"type": "ping"}
        with pytest.raises(WebSocketDisconnect) as closed:
            await socket.ws.receive_json(timeout=5)  # no pong this time
    assert closed.value.code == 4504


async def test_connections_per_worker_are_limited(serve: Serve) -> None:
    async with serve(max_connections=1) as live, live.socket():
        async with live.connect() as second:
            with pytest.raises(WebSocketDisconnect) as closed:
                await second.receive()
        assert closed.value.code == 1013


async def test_an_event_costs_the_same_statements_for_one_subscriber_or_twenty(
    live: LiveApp, ids: dict[str, int]
) -> None:
    admin = bearer(live.settings, ids["admin"])
    course = gid("Course", ids["course"])
    async with live.database.engine.begin() as conn:
        students = [await add_student(conn, f"S{i}") for i in range(3)]

    async def cost(sockets: int, student: int) -> int:
        counter = StatementCounter()
        async with _sockets(live, sockets) as opened:
            for socket in opened:
                await socket.subscribe(ROSTER, {"id": course})
            await live.subscribed(sockets)
            event.listen(live.database.engine.sync_engine, "before_cursor_execute", counter)
            try:
                variables = {"s": gid("Student", student), "c": course}
                await live.client.query(ENROLL, variables, **admin)
                for socket in opened:
                    [data] = await socket.events(1)
                    assert data["courseRosterChanged"]["student"]["courses"]["totalCount"] == 1
            finally:
                event.remove(live.database.engine.sync_engine, "before_cursor_execute", counter)
        return len(counter.statements)

    await cost(1, students[0])  # the first subscriber starts the worker's listener
    assert await cost(20, students[2]) == await cost(1, students[1])


@asynccontextmanager
async def _sockets(live: LiveApp, n: int) -> AsyncIterator[list[Socket]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(live.socket()) for _ in range(n)]


async def test_the_time_budget_covers_opening_a_subscription_not_its_events(
    serve: Serve, ids: dict[str, int]
) -> None:
    course = gid("Course", ids["course"])
    async with serve(request_timeout_seconds=0.5) as live, live.socket() as socket:
        await socket.subscribe(ROSTER, {"id": course})
        await live.subscribed(1)
        await asyncio.sleep(0.7)  # the subscribe's budget runs out meanwhile
        admin = bearer(live.settings, ids["admin"])
        await live.client.query(ENROLL, {"s": gid("Student", ids["student"]), "c": course}, **admin)
        [event] = await socket.events(1)  # data, not a TIMEOUT error
    assert event["courseRosterChanged"]["student"]["courses"]["nodes"] == [{"code": "C1"}]
