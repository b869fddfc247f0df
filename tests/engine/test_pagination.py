"""Relay paging with keyset cursors: both directions, limits, stale and foreign cursors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db.models import Course, Student, registrations
from tests.support import GraphQLClient

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String, $order: [StudentOrder!]) {
  students(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    edges { cursor node { name grade } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _students(connection: AsyncConnection, grades: list[str | None]) -> None:
    await connection.execute(
        insert(Student),
        [{"id": i + 1, "name": f"s{i + 1:02}", "grade": g} for i, g in enumerate(grades)],
    )


async def _page(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    data = await client.query(PAGE, variables)
    return data["students"]  # type: ignore[no-any-return]


def _names(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in page["edges"]]


async def test_forward_paging_visits_every_row_once(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 7)
    seen: list[str] = []
    after = None
    while True:
        page = await _page(client, first=3, after=after)
        seen += _names(page)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["totalCount"] == 7
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"s{i:02}" for i in range(1, 8)]


async def test_total_count_is_the_whole_list_wherever_the_page_is(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    # The count is read with the page: past the last row there is no row to carry it.
    await _students(connection, ["A"] * 5)
    end = (await _page(client, first=5))["pageInfo"]["endCursor"]
    past_the_end = await _page(client, first=2, after=end)
    assert (past_the_end["edges"], past_the_end["totalCount"]) == ([], 5)
    start = (await _page(client, first=1))["pageInfo"]["startCursor"]
    before_the_start = await _page(client, last=2, before=start)
    assert (before_the_start["edges"], before_the_start["totalCount"]) == ([], 5)
    assert (await _page(client, last=2))["totalCount"] == 5


async def test_backward_paging_from_the_end(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 7)
    last = await _page(client, last=3)
    assert _names(last) == ["s05", "s06", "s07"]
    assert last["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": last["edges"][0]["cursor"],
        "endCursor": last["edges"][-1]["cursor"],
    }
    before = await _page(client, last=3, before=last["pageInfo"]["startCursor"])
    assert _names(before) == ["s02", "s03", "s04"]
    assert before["pageInfo"]["hasNextPage"] is True
    start = await _page(client, last=3, before=before["pageInfo"]["startCursor"])
    assert _names(start) == ["s01"]
    assert start["pageInfo"]["hasPreviousPage"] is False


async def test_a_row_inserted_mid_scroll_neither_repeats_nor_skips(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 6)
    first = await _page(client, first=3, order=[{"field": "NAME"}])
    await connection.execute(insert(Student).values(id=100, name="s00"))  # sorts before the page
    await connection.execute(insert(Student).values(id=101, name="s04b"))  # sorts after it
    second = await _page(
        client, first=10, after=first["pageInfo"]["endCursor"], order=[{"field": "NAME"}]
    )
    assert _names(first) == ["s01", "s02", "s03"]
    assert _names(second) == ["s04", "s04b", "s05", "s06"]


async def test_nulls_sort_last_ascending_and_first_descending(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["B", None, "A", None, "B"])
    ascending = await _page(client, first=10, order=[{"field": "GRADE", "direction": "ASC"}])
    assert _names(ascending) == ["s03", "s01", "s05", "s02", "s04"]
    descending = await _page(client, first=10, order=[{"field": "GRADE", "direction": "DESC"}])
    assert _names(descending) == ["s04", "s02", "s05", "s01", "s03"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_paging_through_nulls_in_both_directions(
    client: GraphQLClient, connection: AsyncConnection, direction: str
) -> None:
    await _students(connection, ["B", None, "A", None, "B", "C", None])
    order = [{"field": "GRADE", "direction": direction}]
    everything = _names(await _page(client, first=10, order=order))
    forward: list[str] = []
    after = None
    for _ in range(10):
        page = await _page(client, first=2, after=after, order=order)
        forward += _names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[str] = []
    before = None
    for _ in range(10):
        page = await _page(client, last=2, before=before, order=order)
        backward = _names(page) + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert forward == everything
    assert backward == everything


async def test_first_zero_is_an_empty_page(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 2)
    page = await _page(client, first=0)
    assert page["edges"] == []
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["startCursor"] is None


async def test_page_size_defaults_to_twenty(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 25)
    page = await _page(client)
    assert len(page["edges"]) == 20
    assert page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 1, "last": 1},
        {"first": -1},
        {"last": -1},
        {"first": 101},
        {"last": 101},
        {"after": "not a cursor"},
        {"before": "bm90IGEgY3Vyc29y"},
        {"after": ""},
    ],
)
async def test_bad_arguments_are_bad_user_input(
    client: GraphQLClient, connection: AsyncConnection, variables: dict[str, Any]
) -> None:
    await _students(connection, ["A"] * 2)
    assert await client.error_codes(PAGE, variables) == ["BAD_USER_INPUT"]


async def test_a_cursor_belongs_to_its_list_and_order(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 3)
    by_id = await _page(client, first=1)
    cursor = by_id["pageInfo"]["endCursor"]
    assert await client.error_codes(PAGE, {"after": cursor, "order": [{"field": "NAME"}]}) == [
        "BAD_USER_INPUT"
    ]
    courses = "query ($after: String) { courses(after: $after) { totalCount } }"
    assert await client.error_codes(courses, {"after": cursor}) == ["BAD_USER_INPUT"]


async def test_nested_cursors_work_under_any_parent(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A"] * 2)
    await connection.execute(
        insert(Course), [{"id": i, "code": f"C{i}", "title": "t"} for i in range(1, 5)]
    )
    await connection.execute(
        insert(registrations),
        [{"student_id": s, "course_id": c} for s in (1, 2) for c in range(1, 5)],
    )
    query = """query ($after: String) { students { nodes { name
        courses(first: 2, after: $after) {
          nodes { code } pageInfo { endCursor hasNextPage } } } } }"""
    first = (await client.query(query))["students"]["nodes"]
    cursor = first[0]["courses"]["pageInfo"]["endCursor"]
    second = (await client.query(query, {"after": cursor}))["students"]["nodes"]
    for student in second:  # the cursor from student 1's list serves student 2's too
        assert [c["code"] for c in student["courses"]["nodes"]] == ["C3", "C4"]
        assert student["courses"]["pageInfo"]["hasNextPage"] is False


async def test_ties_under_order_by_are_broken_by_id_in_the_same_direction(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["A", "A", "B", "A"])
    page = await _page(client, first=10, order=[{"field": "GRADE", "direction": "DESC"}])
    assert _names(page) == ["s03", "s04", "s02", "s01"]


async def test_an_order_naming_id_before_other_fields_pages_by_it(
    client: GraphQLClient, connection: AsyncConnection
) -> None:
    await _students(connection, ["B", "A", "C", "A"])
    order = [{"field": "ID", "direction": "DESC"}, {"field": "GRADE", "direction": "ASC"}]

    first = await _page(client, first=2, order=order)
    rest = await _page(client, first=2, order=order, after=first["pageInfo"]["endCursor"])

    assert _names(first) + _names(rest) == ["s04", "s03", "s02", "s01"]
    assert rest["pageInfo"]["hasNextPage"] is False


NESTED_PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String, $order: [StudentOrder!]) {
  courses { nodes { code
    students(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
      nodes { name } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }
}
"""


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_nested_pages_under_order_by_follow_the_list_order_in_both_directions(
    client: GraphQLClient, connection: AsyncConnection, direction: str
) -> None:
    await _students(connection, ["B", None, "A", None, "B", "C", None, "A"])
    await connection.execute(
        insert(Course), [{"id": i, "code": f"C{i}", "title": "t"} for i in (1, 2)]
    )
    members = {"C1": set(range(1, 9)), "C2": {1, 3, 4, 7, 8}}
    await connection.execute(
        insert(registrations),
        [{"student_id": s, "course_id": int(c[1])} for c, ss in members.items() for s in ss],
    )
    order = [{"field": "GRADE", "direction": direction}]
    ranked = _names(await _page(client, first=10, order=order))

    async def pages(**variables: Any) -> dict[str, dict[str, Any]]:
        data = await client.query(NESTED_PAGE, {"order": order, **variables})
        return {course["code"]: course["students"] for course in data["courses"]["nodes"]}

    def listed(code: str) -> list[str]:
        return [name for name in ranked if int(name[1:]) in members[code]]

    # One cursor from C1's list serves C2's too: each page is the rows of that
    # course's list past the cursor's row, in the list's order.
    after, seen = None, 0
    for _ in range(len(ranked)):
        step = await pages(first=2, after=after)
        for code, page in step.items():
            rest = [n for n in listed(code) if ranked.index(n) >= seen]
            assert [node["name"] for node in page["nodes"]] == rest[:2], (code, after)
            assert page["pageInfo"]["hasNextPage"] is (len(rest) > 2)
        c1 = step["C1"]
        if not c1["pageInfo"]["hasNextPage"]:
            break
        after, seen = c1["pageInfo"]["endCursor"], ranked.index(c1["nodes"][-1]["name"]) + 1
    before, until = None, len(ranked)
    for _ in range(len(ranked)):
        step = await pages(last=2, before=before)
        for code, page in step.items():
            rest = [n for n in listed(code) if ranked.index(n) < until]
            assert [node["name"] for node in page["nodes"]] == rest[-2:], (code, before)
            assert page["pageInfo"]["hasPreviousPage"] is (len(rest) > 2)
        c1 = step["C1"]
        if not c1["pageInfo"]["hasPreviousPage"]:
            break
        before, until = c1["pageInfo"]["startCursor"], ranked.index(c1["nodes"][0]["name"])
