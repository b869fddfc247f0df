"""Live updates under load: fan-out to 200 subscribers, and commit-to-delivery delay.

    python -m bench.live [--database-url URL] [--subscribers 200]

Starts one `campus serve` worker over a fresh database (an SQLite file by
default), opens the subscribers (the `websockets` client), then:

- fan-out: setStudentCourses bursts of 2 x 25 link changes, as fast as they
  commit; events/s = events committed / time until every subscriber has all;
- delay: 30 enrolls and withdrawals, one every 100 ms; for each event and subscriber,
  the time from the event's commit (`at`, the server's clock, the same
  machine's) to its arrival; p50 and p95.

Bounded: a fixed number of changes, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.servers import ServerSpec, serve
from schema.engine.ids import encode_id
from server.config import Settings
from server.db.engine import Database
from server.db.models import Course, Student, User, utcnow
from server.security.auth import Tokens
from server.seeding.dataset import NO_PASSWORD

SECRET = "bench-live-secret-key-" * 3
HALF = 25
BURSTS = 4
DELAY_CHANGES = 30
EVENT = """subscription ($id: ID!) { studentCoursesChanged(studentId: $id) {
  change at course { code } } }"""
SET = """mutation ($s: ID!, $cs: [ID!]!) {
  setStudentCourses(input: {studentId: $s, courseIds: $cs}) { userErrors { code } } }"""
ENROLL = """mutation ($s: ID!, $c: ID!) { enrollStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""
WITHDRAW = """mutation ($s: ID!, $c: ID!) { withdrawStudent(input: {studentId: $s, courseId: $c}) {
  changed } }"""


async def _seed(url: str) -> dict[str, Any]:
    database = Database(Settings(database_url=url))
    async with database.engine.begin() as conn:
        admin = await conn.scalar(
            insert(User)
            .values(
                username="admin",
                display_name="Admin",
                password_hash=NO_PASSWORD,
                is_admin=True,
                token_version=0,
                created_at=utcnow(),
            )
            .returning(User.id)
        )
        student = await conn.scalar(insert(Student).values(name="Sam").returning(Student.id))
        rows = [{"code": f"L{i:03}", "title": "Live"} for i in range(2 * HALF)]
        courses = list((await conn.scalars(insert(Course).returning(Course.id), rows)).all())
    await database.dispose()
    token = Tokens(SECRET, 3600).issue(int(admin or 0), 0)
    ids = [encode_id("Course", c) for c in courses]
    return {
        "headers": {"Authorization": f"Bearer {token}"},
        "student": encode_id("Student", int(student or 0)),
        "halves": (ids[:HALF], ids[HALF:]),
    }


class Subscriber:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.arrivals: list[tuple[float, str]] = []  # (arrival time, the event's `at`)

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                at = message["payload"]["data"]["studentCoursesChanged"]["at"]
                self.arrivals.append((time.time(), at))


async def _subscribe(port: int, student: str) -> Subscriber:
    ws = await connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": EVENT, "variables": {"id": student}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return Subscriber(ws)


async def _all_have(subscribers: list[Subscriber], n: int, seconds: float = 300) -> None:
    async with asyncio.timeout(seconds):
        while any(len(s.arrivals) < n for s in subscribers):  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def measure(port: int, url: str, count: int) -> dict[str, float]:
    world = await _seed(url)
    student, headers = world["student"], world["headers"]
    first, second = world["halves"]
    subscribers = [await _subscribe(port, student) for _ in range(count)]
    readers = [asyncio.create_task(s.read()) for s in subscribers]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:

        async def send(query: str, variables: dict[str, Any]) -> None:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            assert "errors" not in response.json(), response.text

        # Everyone is listening once everyone has heard of the first change.
        await send(SET, {"s": student, "cs": first})
        await _all_have(subscribers, HALF)
        started = time.monotonic()
        for i in range(BURSTS):
            await send(SET, {"s": student, "cs": second if i % 2 == 0 else first})
        total = HALF + BURSTS * 2 * HALF
        await _all_have(subscribers, total)
        fan_out = BURSTS * 2 * HALF / (time.monotonic() - started)
        for s in subscribers:
            s.arrivals.clear()
        course = (first if BURSTS % 2 == 0 else second)[0]
        link = {"s": student, "c": course}
        for i in range(DELAY_CHANGES):
            await send(WITHDRAW if i % 2 == 0 else ENROLL, link)
            await asyncio.sleep(0.1)
        await _all_have(subscribers, DELAY_CHANGES)
    for task in readers:
        task.cancel()
    for s in subscribers:
        await s.ws.close()
    delays = sorted(
        arrival - dt.datetime.fromisoformat(at).timestamp()
        for s in subscribers
        for arrival, at in s.arrivals
    )
    quantiles = statistics.quantiles(delays, n=100)
    return {"events_per_s": fan_out, "p50_ms": quantiles[49] * 1e3, "p95_ms": quantiles[94] * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--subscribers", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'live.db'}"
        spec = ServerSpec(
            "campus",
            [
                str(Path(__file__).parents[1] / ".venv/bin/campus"),
                "serve",
                "--no-demo",
                "--port",
                "{port}",
            ],
            {
                "DATABASE_URL": url,
                "CAMPUS_SECRET_KEY": SECRET,
                "CAMPUS_LOG_LEVEL": "WARNING",
                # Measure how fast it fans out, not where it starts cutting subscribers off.
                "CAMPUS_SUBSCRIPTION_QUEUE": "100000",
            },
            cwd=Path(tmp),
        )
        with serve(spec, Path(tmp) / "serve.log") as server:
            result = asyncio.run(measure(server.port, url, args.subscribers))
    print(
        f"{url.split(':')[0]}: {args.subscribers} subscribers,"
        f" fan-out {result['events_per_s']:.0f} events/s"
        f" ({result['events_per_s'] * args.subscribers:.0f} messages/s),"
        f" commit to delivery p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
