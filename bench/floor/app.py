"""The floor's endpoints: the statements run, the rows shaped into the same JSON."""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import TextClause
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.cursors import decode_cursor, encode_cursor
from bench.floor.sql import Statements
from server.config import Settings
from server.db.engine import Database, count_rows, sql_stats

__all__ = ["create_app"]

Json = dict[str, Any]


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def _time(value: dt.datetime | str) -> dt.datetime:
    # SQLite hands back the stored text; PostgreSQL an aware datetime.
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def _fetch(conn: AsyncConnection, stmt: TextClause, **params: Any) -> list[Row[Any]]:
    rows = list((await conn.execute(stmt, params)).all())
    count_rows(len(rows))
    return rows


def _grouped(rows: Sequence[Row[Any]]) -> dict[int, list[Row[Any]]]:
    groups: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        groups[row.parent].append(row)
    return groups


def _students_cursor(pk: int) -> str:
    return encode_cursor("Query.students", "id:asc", [pk])


class _Floor:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.sql = Statements(database.is_sqlite)

    async def _students(self, conn: AsyncConnection, after: str | None, n: int) -> list[Row[Any]]:
        if after is None:
            return await _fetch(conn, self.sql.students_page, n=n)
        [last] = decode_cursor(after, "Query.students", "id:asc")
        return await _fetch(conn, self.sql.students_after, after=last, n=n)

    async def q1(self, conn: AsyncConnection, args: Json) -> Json:
        sql = self.sql
        fetched = await self._students(conn, args.get("after"), 51)
        page = fetched[:50]
        courses = _grouped(
            await _fetch(conn, sql.courses_of_students, ids=sql.ids([s.id for s in page]), n=10)
        )
        course_ids = sorted({c.id for rows in courses.values() for c in rows})
        students = _grouped(
            await _fetch(conn, sql.students_of_courses, ids=sql.ids(course_ids), n=10)
        )
        edges = [
            {
                "cursor": _students_cursor(s.id),
                "node": {
                    "id": _gid("Student", s.id),
                    "name": s.name,
                    "grade": s.grade,
                    "courses": {
                        "nodes": [
                            {
                                "id": _gid("Course", c.id),
                                "code": c.code,
                                "title": c.title,
                                "students": {
                                    "nodes": [
                                        {"id": _gid("Student", t.id), "name": t.name}
                                        for t in students[c.id]
                                    ]
                                },
                            }
                            for c in courses[s.id]
                        ]
                    },
                },
            }
            for s in page
        ]
        page_info = {
            "hasNextPage": len(fetched) > 50,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return {"students": {"pageInfo": page_info, "edges": edges}}

    async def q2(self, conn: AsyncConnection, args: Json) -> Json:
        sql = self.sql
        pk = int(base64.b64decode(args["user"]).decode().partition(":")[2])
        users = await _fetch(conn, sql.user, id=pk)
        if not users:
            return {"node": None}
        fetched = await _fetch(conn, sql.followers, id=pk, n=21)
        followers = fetched[:20]
        articles = _grouped(
            await _fetch(
                conn, sql.articles_of_users, ids=sql.ids(sorted(f.id for f in followers)), n=5
            )
        )
        times = [_time(f.created_at) for f in followers]
        edges = [
            {
                "followedAt": _iso(at),
                "node": {
                    "id": _gid("User", f.id),
                    "username": f.username,
                    "displayName": f.display_name,
                    "articles": {
                        "nodes": [
                            {
                                "id": _gid("Article", a.id),
                                "title": a.title,
                                "createdAt": _iso(_time(a.created_at)),
                            }
                            for a in articles[f.id]
                        ]
                    },
                },
            }
            for f, at in zip(followers, times, strict=True)
        ]
        end = (
            encode_cursor(
                "User.followers", "followedAt:desc,id:desc", [times[-1], followers[-1].id]
            )
            if followers
            else None
        )
        [user] = users
        followers_page = {
            "pageInfo": {"hasNextPage": len(fetched) > 20, "endCursor": end},
            "edges": edges,
        }
        return {
            "node": {
                "id": _gid("User", user.id),
                "username": user.username,
                "followers": followers_page,
            }
        }

    async def q3(self, conn: AsyncConnection, args: Json) -> Json:
        after = args.get("after")
        fetched = await self._students(conn, after, 21)
        edges = [
            {
                "cursor": _students_cursor(s.id),
                "node": {"id": _gid("Student", s.id), "name": s.name, "grade": s.grade},
            }
            for s in fetched[:20]
        ]
        page_info = {
            "hasNextPage": len(fetched) > 20,
            "hasPreviousPage": after is not None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return {"students": {"pageInfo": page_info, "edges": edges}}

    async def q4(self, conn: AsyncConnection, args: Json) -> Json:
        fetched = await _fetch(
            conn, self.sql.filtered_in_course, code=args["code"], needle="an", n=21
        )
        page = fetched[:20]
        return {
            "students": {
                "totalCount": fetched[0].total if fetched else 0,
                "pageInfo": {
                    "hasNextPage": len(fetched) > 20,
                    "endCursor": _students_cursor(page[-1].id) if page else None,
                },
                "nodes": [
                    {"id": _gid("Student", s.id), "name": s.name, "grade": s.grade} for s in page
                ],
            }
        }

    async def write(self, args: Json) -> Json:
        """One link change (enroll/withdraw/follow/unfollow) in a write transaction."""
        stmt = self.sql.writes[args["op"]]
        params: Json = {"a": int(args["a"]), "b": int(args["b"])}
        if args["op"] == "follow":
            params["created_at"] = dt.datetime.now(dt.UTC)
        async with self.database.transaction() as session:
            result = await session.execute(stmt, params)
        return {"changed": bool(getattr(result, "rowcount", 0))}


Reader = Callable[[AsyncConnection, Json], Awaitable[Json]]


def _reading(floor: _Floor, reader: Reader) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        args = await request.json()
        async with sql_stats() as stats, floor.database.engine.connect() as conn:
            data = await reader(conn, args)
        sql = {"statements": stats.statements, "rows": stats.rows}
        return JSONResponse({"data": data, "extensions": {"sql": sql}})

    return endpoint


def create_app() -> Starlette:
    """The floor's ASGI app, on the database that ``DATABASE_URL`` names."""
    database = Database(Settings.from_env())
    floor = _Floor(database)

    async def write(request: Request) -> Response:
        args = await request.json()
        async with sql_stats() as stats:
            data = await floor.write(args)
        sql = {"statements": stats.statements, "rows": stats.rows}
        return JSONResponse({"data": data, "extensions": {"sql": sql}})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await database.dispose()

    readers = {"/q1": floor.q1, "/q2": floor.q2, "/q3": floor.q3, "/q4": floor.q4}
    routes = [
        Route(path, _reading(floor, reader), methods=["POST"]) for path, reader in readers.items()
    ]
    routes += [Route("/w", write, methods=["POST"]), Route("/healthz", healthz)]
    return Starlette(routes=routes, lifespan=lifespan)
