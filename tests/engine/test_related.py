"""Ordering and filtering by what is related (SPEC §3): counts and to-one names.

The expected answers are computed here from the rows the tests insert, the
way the SPEC words them: a collection's size, ties by id in the list's
direction, nulls last ascending and first descending.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from schema.engine.ids import decode_id
from server.db.models import Article, Course, Follow, Student, Teacher, User, registrations
from tests.support import GraphQLClient, gid

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TEACHERS = {1: "Grace", 2: "Alan", 3: "Zed", 4: "Alan"}
# course id: its teacher (None: no teacher)
COURSES = {1: 1, 2: 1, 3: 2, 4: None, 5: 4, 6: None, 7: 2}
STUDENTS = range(1, 9)
REGISTRATIONS = [
    (1, 1), (1, 2), (1, 3), (2, 1), (2, 4), (3, 1), (3, 2), (3, 5),
    (4, 7), (5, 1), (5, 6), (6, 3), (6, 4), (7, 2),
]  # fmt: skip
USERS = {1: "ada", 2: "bob", 3: "cyd", 4: "dee", 5: "eve", 6: "fay"}
FOLLOWS = [(1, 2), (3, 2), (4, 2), (1, 3), (2, 3), (5, 4), (2, 1), (6, 1), (4, 5), (5, 6)]
# article id: its author
ARTICLES = {1: 2, 2: 2, 3: 5, 4: 1, 5: 5, 6: 6, 7: 2}


@pytest.fixture
async def campus(connection: AsyncConnection) -> None:
    """The rows; the triggers keep every counter and copied name as they go in."""
    await connection.execute(insert(Teacher), [{"id": i, "name": n} for i, n in TEACHERS.items()])
    await connection.execute(
        insert(Course),
        [{"id": i, "code": f"C{i}", "title": f"T{i}", "teacher_id": t} for i, t in COURSES.items()],
    )
    await connection.execute(insert(Student), [{"id": i, "name": f"S{i}"} for i in STUDENTS])
    await connection.execute(
        insert(registrations), [{"student_id": s, "course_id": c} for s, c in REGISTRATIONS]
    )
    await connection.execute(
        insert(User),
        [
            {"id": i, "username": n, "display_name": n.title(), "password_hash": "-"}
            for i, n in USERS.items()
        ],
    )
    await connection.execute(
        insert(Follow),
        [{"follower_id": a, "followed_id": b, "created_at": START} for a, b in FOLLOWS],
    )
    await connection.execute(
        insert(Article),
        [{"id": i, "title": f"A{i}", "body": "-", "author_id": a} for i, a in ARTICLES.items()],
    )


def _sizes(pairs: list[tuple[int, int]], side: int, ids: Any) -> dict[int, int]:
    counted = Counter(pair[side] for pair in pairs)
    return {i: counted[i] for i in ids}


ARTICLE_PAIRS = [(a, i) for i, a in ARTICLES.items()]
TEACHING = [(t, c) for c, t in COURSES.items() if t is not None]
# By list and order field: each row's sort value.
SORT_VALUES: dict[tuple[str, str], dict[int, Any]] = {
    ("students", "COURSE_COUNT"): _sizes(REGISTRATIONS, 0, STUDENTS),
    ("courses", "STUDENT_COUNT"): _sizes(REGISTRATIONS, 1, COURSES),
    ("courses", "TEACHER_NAME"): {c: TEACHERS.get(t) if t else None for c, t in COURSES.items()},
    ("teachers", "COURSE_COUNT"): _sizes(TEACHING, 0, TEACHERS),
    ("users", "FOLLOWER_COUNT"): _sizes(FOLLOWS, 1, USERS),
    ("users", "FOLLOWING_COUNT"): _sizes(FOLLOWS, 0, USERS),
    ("users", "ARTICLE_COUNT"): _sizes(ARTICLE_PAIRS, 0, USERS),
    ("articles", "AUTHOR_USERNAME"): {i: USERS[a] for i, a in ARTICLES.items()},
}
ROWS: dict[str, Any] = {
    "students": STUDENTS,
    "courses": COURSES,
    "teachers": TEACHERS,
    "users": USERS,
    "articles": ARTICLES,
}
TYPES = {
    "students": "Student",
    "courses": "Course",
    "teachers": "Teacher",
    "users": "User",
    "articles": "Article",
}


def _expected(values: dict[int, Any], descending: bool) -> list[int]:
    """Ids in the SPEC's order: by value (nulls last ascending), then id, one direction."""

    def key(pk: int) -> tuple[bool, Any, int]:
        value = values[pk]
        return (value is None, value if value is not None else 0, pk)

    return sorted(values, key=key, reverse=descending)


def _order_ids(list_name: str) -> str:
    return f"""query ($first: Int, $after: String, $last: Int, $before: String,
                      $order: [{TYPES[list_name]}Order!]) {{
      {list_name}(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {{
        edges {{ cursor node {{ id }} }}
        pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} totalCount }} }}"""


async def _walk(
    client: GraphQLClient, list_name: str, order: list[dict[str, str]], *, back: bool
) -> list[int]:
    """Every row, two at a time, forwards with first/after or backwards with last/before."""
    seen: list[int] = []
    cursor = None
    while True:
        if back:
            variables = {"last": 2, "before": cursor, "order": order}
        else:
            variables = {"first": 2, "after": cursor, "order": order}
        page = (await client.query(_order_ids(list_name), variables))[list_name]
        ids = [(_pk(edge["node"]["id"])) for edge in page["edges"]]
        seen = ids + seen if back else seen + ids
        info = page["pageInfo"]
        more = info["hasPreviousPage"] if back else info["hasNextPage"]
        # The other way is exact too: there are rows behind every page but the first.
        behind = info["hasNextPage"] if back else info["hasPreviousPage"]
        assert behind == (cursor is not None)
        assert page["totalCount"] == len(
            SORT_VALUES[next(k for k in SORT_VALUES if k[0] == list_name)]
        )
        if not more:
            return seen
        cursor = info["startCursor"] if back else info["endCursor"]


def _pk(global_id: str) -> int:
    decoded = decode_id(global_id)
    assert decoded is not None
    return decoded[1]


ORDERS = [(*key, direction) for key in SORT_VALUES for direction in ("ASC", "DESC")]


@pytest.mark.usefixtures("campus")
@pytest.mark.parametrize(
    ("list_name", "field", "direction"), ORDERS, ids=["-".join(o) for o in ORDERS]
)
async def test_a_root_list_pages_both_ways_in_a_related_order(
    client: GraphQLClient, list_name: str, field: str, direction: str
) -> None:
    expected = _expected(SORT_VALUES[list_name, field], direction == "DESC")
    order = [{"field": field, "direction": direction}]
    assert await _walk(client, list_name, order, back=False) == expected
    assert await _walk(client, list_name, order, back=True) == expected


NESTED = [
    (
        "Course",
        COURSES,
        "students",
        "StudentOrder",
        "COURSE_COUNT",
        lambda course: [s for s, c in REGISTRATIONS if c == course],
    ),
    (
        "Teacher",
        TEACHERS,
        "courses",
        "CourseOrder",
        "STUDENT_COUNT",
        lambda teacher: [c for t, c in TEACHING if t == teacher],
    ),
    (
        "Student",
        STUDENTS,
        "courses",
        "CourseOrder",
        "TEACHER_NAME",
        lambda student: [c for s, c in REGISTRATIONS if s == student],
    ),
    (
        "Student",
        STUDENTS,
        "courses",
        "CourseOrder",
        "STUDENT_COUNT",
        lambda student: [c for s, c in REGISTRATIONS if s == student],
    ),
    (
        "User",
        USERS,
        "articles",
        "ArticleOrder",
        "AUTHOR_USERNAME",
        lambda user: [i for a, i in ARTICLE_PAIRS if a == user],
    ),
]
LISTED = {"students": "students", "courses": "courses", "articles": "articles"}


@pytest.mark.usefixtures("campus")
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize(
    ("parent_type", "parents", "field", "order_type", "order", "members"),
    NESTED,
    ids=[f"{n[0]}.{n[2]}-{n[4]}" for n in NESTED],
)
async def test_a_nested_list_in_a_related_order(
    client: GraphQLClient,
    parent_type: str,
    parents: Any,
    field: str,
    order_type: str,
    order: str,
    members: Callable[[int], list[int]],
    direction: str,
) -> None:
    """Every parent's first page at once, and each one's last page, in the order asked."""
    ids = [gid(parent_type, pk) for pk in parents]
    values = SORT_VALUES[LISTED[field], order]
    for page in ("first: 3", "last: 3"):
        document = f"""query ($ids: [ID!]!, $order: [{order_type}!]) {{
          nodes(ids: $ids) {{ ... on {parent_type} {{
            {field}({page}, orderBy: $order) {{
              nodes {{ id }} pageInfo {{ hasNextPage hasPreviousPage }} }}
          }} }} }}"""
        order_by = [{"field": order, "direction": direction}]
        data = await client.query(document, {"ids": ids, "order": order_by})
        for pk, node in zip(parents, data["nodes"], strict=True):
            everyone = _expected({m: values[m] for m in members(pk)}, direction == "DESC")
            wanted = everyone[:3] if page == "first: 3" else everyone[-3:]
            got = [(_pk(item["id"])) for item in node[field]["nodes"]]
            assert got == wanted, (pk, page)
            info = node[field]["pageInfo"]
            more = len(everyone) > 3
            assert (info["hasNextPage"], info["hasPreviousPage"]) == (
                (more, False) if page == "first: 3" else (False, more)
            )


def _count_cases() -> list[tuple[str, str, dict[str, Any], Callable[[int], bool]]]:
    """(list, its filter type, filter, which rows it keeps) for count and the new list filters."""
    courses_of = _sizes(REGISTRATIONS, 0, STUDENTS)
    students_of = _sizes(REGISTRATIONS, 1, COURSES)
    taught = _sizes(TEACHING, 0, TEACHERS)
    followers = _sizes(FOLLOWS, 1, USERS)
    following = _sizes(FOLLOWS, 0, USERS)
    written = _sizes(ARTICLE_PAIRS, 0, USERS)

    def follows(pk: int, name: str, *, of: bool) -> bool:
        """Whether ``pk`` follows (``of``: is followed by) the user called ``name``."""
        return any((b if of else a) == pk and USERS[a if of else b] == name for a, b in FOLLOWS)

    return [
        ("students", "Student", {"courses": {"count": {"eq": 2}}}, lambda s: courses_of[s] == 2),
        ("students", "Student", {"courses": {"count": {"ne": 2}}}, lambda s: courses_of[s] != 2),
        (
            "students",
            "Student",
            {"courses": {"count": {"in": [0, 3]}}},
            lambda s: courses_of[s] in (0, 3),
        ),
        ("students", "Student", {"courses": {"count": {"in": []}}}, lambda s: False),
        (
            "students",
            "Student",
            {"courses": {"count": {"gt": 1, "lte": 3, "eq": None}}},
            lambda s: 1 < courses_of[s] <= 3,
        ),
        (
            "students",
            "Student",
            {"courses": {"some": {"code": {"eq": "C1"}}, "count": {"gte": 3}}},
            lambda s: (s, 1) in REGISTRATIONS and courses_of[s] >= 3,
        ),
        (
            "students",
            "Student",
            {"not": {"courses": {"count": {"lt": 2}}}},
            lambda s: courses_of[s] >= 2,
        ),
        ("courses", "Course", {"students": {"count": {"eq": 0}}}, lambda c: students_of[c] == 0),
        (
            "courses",
            "Course",
            {"or": [{"students": {"count": {"gte": 4}}}, {"hasTeacher": False}]},
            lambda c: students_of[c] >= 4 or COURSES[c] is None,
        ),
        ("teachers", "Teacher", {"courses": {"count": {"gte": 2}}}, lambda t: taught[t] >= 2),
        ("teachers", "Teacher", {"courses": {"none": {}}}, lambda t: taught[t] == 0),
        (
            "teachers",
            "Teacher",
            {"courses": {"some": {"students": {"count": {"gt": 2}}}}},
            lambda t: any(students_of[c] > 2 for tt, c in TEACHING if tt == t),
        ),
        (
            "users",
            "User",
            {"followers": {"some": {"username": {"eq": "ada"}}}},
            lambda u: follows(u, "ada", of=True),
        ),
        (
            "users",
            "User",
            {"following": {"some": {"username": {"eq": "bob"}}}},
            lambda u: follows(u, "bob", of=False),
        ),
        (
            "users",
            "User",
            {"followers": {"none": {"username": {"eq": "ada"}}, "count": {"gte": 1}}},
            lambda u: not follows(u, "ada", of=True) and followers[u] >= 1,
        ),
        ("users", "User", {"following": {"count": {"eq": 1}}}, lambda u: following[u] == 1),
        (
            "users",
            "User",
            # Users followed by someone who follows bob: the same table three levels down.
            {"followers": {"some": {"following": {"some": {"username": {"eq": "bob"}}}}}},
            lambda u: any(b == u and follows(a, "bob", of=False) for a, b in FOLLOWS),
        ),
        ("users", "User", {"articles": {"count": {"gte": 2}}}, lambda u: written[u] >= 2),
        (
            "users",
            "User",
            {"articles": {"some": {"title": {"eq": "A3"}}}},
            lambda u: ARTICLES[3] == u,
        ),
        (
            "users",
            "User",
            # Authors of an article whose author is followed by eve: through the to-one back.
            {
                "articles": {
                    "some": {"author": {"followers": {"some": {"username": {"eq": "eve"}}}}}
                }
            },
            lambda u: written[u] > 0 and follows(u, "eve", of=True),
        ),
        ("users", "User", {"articles": {"none": {}}}, lambda u: written[u] == 0),
    ]


COUNT_CASES = _count_cases()


@pytest.mark.usefixtures("campus")
@pytest.mark.parametrize(
    ("list_name", "type_name", "filter_", "keeps"),
    COUNT_CASES,
    ids=[str(case[2]) for case in COUNT_CASES],
)
async def test_filters_by_what_is_related(
    client: GraphQLClient,
    list_name: str,
    type_name: str,
    filter_: dict[str, Any],
    keeps: Callable[[int], bool],
) -> None:
    document = f"""query ($filter: {type_name}Filter) {{
      {list_name}(first: 100, filter: $filter) {{ totalCount nodes {{ id }} }} }}"""
    data = (await client.query(document, {"filter": filter_}))[list_name]
    got = [(_pk(node["id"])) for node in data["nodes"]]
    assert got == [pk for pk in ROWS[list_name] if keeps(pk)]
    assert data["totalCount"] == len(got)
    # And `not` is its exact complement, as for every filter.
    negated = (await client.query(document, {"filter": {"not": filter_}}))[list_name]
    assert [_pk(node["id"]) for node in negated["nodes"]] == [
        pk for pk in ROWS[list_name] if not keeps(pk)
    ]
