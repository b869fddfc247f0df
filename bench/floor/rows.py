"""The floor's "rows" variant as plans: statements to run, the rows shaped into campus's JSON.

A plan is a generator: it yields ``(statement name, parameters)`` and is sent
the rows; it returns the answer's ``data``. The driver runs it (on SQLite in
one trip to a connection's thread, inside one read transaction; on
PostgreSQL statement by statement, as campus's readers do).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Generator, Sequence
from typing import Any

from bench.cursors import (
    COURSES_BY_STUDENTS,
    STUDENTS_BY_ID,
    USERS_BY_FOLLOWERS,
    decode_cursor,
    encode_cursor,
)

__all__ = ["Json", "Plan", "gid", "q1", "q2", "q3", "q4", "q5", "q6", "user_pk", "users_after"]

Json = dict[str, Any]
Statement = tuple[str, dict[str, Any]]
Plan = Generator[Statement, Sequence[Any], Json]


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def user_pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


def _time(value: dt.datetime | str) -> dt.datetime:
    # SQLite hands back the stored text; PostgreSQL an aware datetime.
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _grouped(rows: Sequence[Any]) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        groups[row["parent"]].append(row)
    return groups


def _ids(sqlite: bool, values: Sequence[int]) -> Any:
    return json.dumps(list(values)) if sqlite else list(values)


def _students_cursor(pk: int) -> str:
    return encode_cursor(*STUDENTS_BY_ID, [pk])


def _students(after: str | None, n: int) -> Statement:
    if after is None:
        return "students", {"n": n}
    [last] = decode_cursor(after, *STUDENTS_BY_ID)
    return "students_after", {"after": last, "n": n}


def q1(args: Json, sqlite: bool) -> Plan:
    fetched = yield _students(args.get("after"), 51)
    page = fetched[:50]
    ids = _ids(sqlite, [s["id"] for s in page])
    courses = _grouped((yield "courses_of_students", {"ids": ids, "n": 10}))
    course_ids = sorted({c["id"] for rows in courses.values() for c in rows})
    ids = _ids(sqlite, course_ids)
    students = _grouped((yield "students_of_courses", {"ids": ids, "n": 10}))
    edges = [
        {
            "cursor": _students_cursor(s["id"]),
            "node": {
                "id": gid("Student", s["id"]),
                "name": s["name"],
                "grade": s["grade"],
                "courses": {
                    "nodes": [
                        {
                            "id": gid("Course", c["id"]),
                            "code": c["code"],
                            "title": c["title"],
                            "students": {
                                "nodes": [
                                    {"id": gid("Student", t["id"]), "name": t["name"]}
                                    for t in students[c["id"]]
                                ]
                            },
                        }
                        for c in courses[s["id"]]
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


def q2(args: Json, sqlite: bool) -> Plan:
    pk = user_pk(args["user"])
    users = yield "user", {"id": pk}
    if not users:
        return {"node": None}
    fetched = yield "followers", {"id": pk, "n": 21}
    followers = fetched[:20]
    ids = _ids(sqlite, sorted(f["id"] for f in followers))
    articles = _grouped((yield "articles_of_users", {"ids": ids, "n": 5}))
    times = [_time(f["created_at"]) for f in followers]
    edges = [
        {
            "followedAt": _iso(at),
            "node": {
                "id": gid("User", f["id"]),
                "username": f["username"],
                "displayName": f["display_name"],
                "articles": {
                    "nodes": [
                        {
                            "id": gid("Article", a["id"]),
                            "title": a["title"],
                            "createdAt": _iso(_time(a["created_at"])),
                        }
                        for a in articles[f["id"]]
                    ]
                },
            },
        }
        for f, at in zip(followers, times, strict=True)
    ]
    end = (
        encode_cursor("User.followers", "followedAt:desc,id:desc", [times[-1], followers[-1]["id"]])
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
            "id": gid("User", user["id"]),
            "username": user["username"],
            "followers": followers_page,
        }
    }


def q3(args: Json, sqlite: bool) -> Plan:
    after = args.get("after")
    fetched = yield _students(after, 21)
    edges = [
        {
            "cursor": _students_cursor(s["id"]),
            "node": {"id": gid("Student", s["id"]), "name": s["name"], "grade": s["grade"]},
        }
        for s in fetched[:20]
    ]
    page_info = {
        "hasNextPage": len(fetched) > 20,
        "hasPreviousPage": after is not None,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return {"students": {"pageInfo": page_info, "edges": edges}}


def q4(args: Json, sqlite: bool) -> Plan:
    fetched = yield "filtered_in_course", {"code": args["code"], "needle": "an", "n": 21}
    page = fetched[:20]
    return {
        "students": {
            "totalCount": fetched[0]["total"] if fetched else 0,
            "pageInfo": {
                "hasNextPage": len(fetched) > 20,
                "endCursor": _students_cursor(page[-1]["id"]) if page else None,
            },
            "nodes": [
                {"id": gid("Student", s["id"]), "name": s["name"], "grade": s["grade"]}
                for s in page
            ],
        }
    }


def users_after(after: str) -> Json:
    """The parameters of a page of users by follower count after ``after``."""
    count, pk = decode_cursor(after, *USERS_BY_FOLLOWERS)
    return {"after_count": count, "after_id": pk}


def q5(args: Json, sqlite: bool) -> Plan:
    after = args.get("after")
    if after is None:
        fetched = yield "users_by_followers", {"n": 21}
    else:
        fetched = yield "users_by_followers_after", {**users_after(after), "n": 21}
    edges = [
        {
            "cursor": encode_cursor(*USERS_BY_FOLLOWERS, [u["follower_count"], u["id"]]),
            "node": {
                "id": gid("User", u["id"]),
                "username": u["username"],
                "displayName": u["display_name"],
            },
        }
        for u in fetched[:20]
    ]
    page_info = {
        "hasNextPage": len(fetched) > 20,
        "hasPreviousPage": after is not None,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return {"users": {"pageInfo": page_info, "edges": edges}}


def q6(args: Json, sqlite: bool) -> Plan:
    fetched = yield "courses_by_students", {"n": 21}
    page = fetched[:20]
    ids = _ids(sqlite, [c["id"] for c in page])
    busy = {"ids": ids, "at_least": args["atLeast"], "n": 10}
    students = _grouped((yield "busy_students_of_courses", busy))
    last = page[-1] if page else None
    end = None if last is None else [last["student_count"], last["id"]]
    page_info = {
        "hasNextPage": len(fetched) > 20,
        "endCursor": None if end is None else encode_cursor(*COURSES_BY_STUDENTS, end),
    }
    nodes = [
        {
            "id": gid("Course", c["id"]),
            "code": c["code"],
            "title": c["title"],
            "students": {
                "nodes": [
                    {"id": gid("Student", t["id"]), "name": t["name"]} for t in students[c["id"]]
                ]
            },
        }
        for c in page
    ]
    return {"courses": {"pageInfo": page_info, "nodes": nodes}}
