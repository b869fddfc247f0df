"""Prepared reads answer byte for byte what the reference executor answers (SPEC §3).

Every document runs through two apps over the same data: one that answers
every query the reference way (``CAMPUS_PREPARED_READS=off``) and one that
plans every query document it can (``all``). The response bodies must be the
same bytes: data, errors, key order, escapes, IDs, cursors, times, nulls.
Generated documents (hypothesis-graphql over the live schema, dressed with
aliases, ``__typename`` and ``@skip``/``@include``) find the cases no one
wrote down; written ones pin what each part of a plan covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database
from server.db.models import Article, Student, User
from server.http.app import create_app
from tests.engine.test_compiled import SWITCHES, _dress, _queries, differential
from tests.engine.test_execution import DOCUMENTS
from tests.support import StatementCounter, gid, load_dataset, serve_own

pytestmark = pytest.mark.read_paths("off")  # the reference app's; the other plans everything

CANONICAL = [
    *DOCUMENTS,
    # The benchmark's queries: nested lists, a user's followers, a keyset page, filters.
    """query Q1($after: String) { students(first: 5, after: $after) {
         pageInfo { hasNextPage endCursor } edges { cursor node { id name grade
           courses(first: 3) { nodes { id code title students(first: 3) { nodes { id name } } } }
         } } } }""",
    """query Q2($user: ID!) { node(id: $user) { ... on User { id username
         followers(first: 4) { pageInfo { hasNextPage endCursor }
           edges { followedAt node { id username displayName
             articles(first: 2) { nodes { id title createdAt } } } } } } } }""",
    """query Q4($code: String!) { students(first: 5,
         filter: { name: { contains: "a" }, courses: { some: { code: { eq: $code } } } }) {
         totalCount pageInfo { hasNextPage endCursor } nodes { id name grade } } }""",
    # Backward pages with their cursors, orders with nulls, a filter on a nested list.
    """{ students(last: 4, before: null, orderBy: [{field: GRADE, direction: DESC}]) {
         pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
         edges { cursor node { name grade courses(last: 2, filter: {code: {ne: "X"}}) {
           totalCount pageInfo { startCursor endCursor hasPreviousPage }
           nodes { code } } } } } }""",
    # The viewer, memberships both ways, a nested totalCount without rows.
    """{ viewer { id username student { courses { totalCount } } }
         users(first: 3, filter: {createdAt: {gte: "2020-01-01T00:00:00Z"}}) {
           nodes { isFollowing(userId: "%(user)s") isFollowedBy(userId: "%(user)s")
             following { totalCount } feed(last: 2) { edges { cursor node { title } } } } } }""",
]
VARIABLES = {"after": None, "user": gid("User", 2), "code": "", **SWITCHES}


@asynccontextmanager
async def _apps(settings: Settings, database: Database) -> AsyncIterator[_Pair]:
    # Without ``extensions.sql``: what the answers cost differs by design (one statement).
    settings = replace(settings, sql_stats=False)
    async with (
        _client(replace(settings, prepared_reads="off"), database) as reference,
        _client(replace(settings, prepared_reads="all"), database) as prepared,
    ):
        yield _Pair(reference, prepared)


@asynccontextmanager
async def _client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


class _Pair:
    def __init__(self, reference: httpx.AsyncClient, prepared: httpx.AsyncClient) -> None:
        self.reference = reference
        self.prepared = prepared

    async def both(
        self, document: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> tuple[bytes, bytes, bool]:
        """Both bodies, and whether the prepared app answered from a plan."""
        body = {"query": document, "variables": variables or {}}
        ours = await self.prepared.post("/graphql", json=body, headers=headers)
        theirs = await self.reference.post("/graphql", json=body, headers=headers)
        assert ours.status_code == theirs.status_code
        planned = self.prepared.app.state.plans.prepared(document)  # type: ignore[attr-defined]
        return ours.content, theirs.content, planned


CAMPUS = {
    "students": 20,
    "courses": 6,
    "teachers": 3,
    "registrations": 50,
    "users": 12,
    "follows": 40,
    "articles": 25,
}


@pytest.fixture
async def campus(connection: AsyncConnection) -> None:
    await load_dataset(connection, **CAMPUS)


@pytest.mark.usefixtures("campus")
@differential
@given(document=_queries, data=st.data())
async def test_generated_documents_answer_as_the_reference_executor(
    document: graphql.DocumentNode,
    data: st.DataObject,
    settings: Settings,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = _dress(document, data)
    caplog.clear()
    async with _apps(settings, database) as apps:
        ours, theirs, planned = await apps.both(text, dict(SWITCHES))
    note(f"{text}\nplanned: {planned}\nprepared:  {ours.decode()}\nreference: {theirs.decode()}")
    assert ours == theirs
    # A statement that failed would have been answered the reference way: none may.
    assert [r.getMessage() for r in caplog.records if r.name == "server.http.prepared"] == []


@pytest.mark.usefixtures("campus")
@pytest.mark.parametrize("number", range(len(CANONICAL)))
async def test_written_documents_are_planned_and_answer_as_the_reference(
    number: int, settings: Settings, database: Database
) -> None:
    document = CANONICAL[number] % {
        "student": gid("Student", 3),
        "user": gid("User", 2),
        "course": gid("Course", 1),
    }
    async with _apps(settings, database) as apps:
        ours, theirs, planned = await apps.both(document, VARIABLES)
    assert ours == theirs
    assert b'"errors"' in theirs or planned  # a document without errors is answered planned


# Text that JSON must escape, or must not: quotes, backslashes, control
# characters (as the database may hold them whatever the input rules say),
# line separators, accents, combining marks and characters beyond the BMP.
TRICKY = ['a"b\\c', "tab\there\nnew\rline", "\x01\x1f\x7f", "\u2028\u2029 é É ß", "e\u0301 😀 𝄞"]


async def test_text_is_escaped_as_the_reference_escapes_it(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    await load_dataset(connection, users=2)
    for i, text in enumerate(TRICKY):
        await connection.execute(insert(Student).values(name=text, grade=text[:20]))
        await connection.execute(
            insert(Article).values(
                title=text, body=text * 3, author_id=1, created_at=dt.datetime(2026, 1, 1, i)
            )
        )
    await connection.execute(update(User).where(User.id == 2).values(display_name=TRICKY[-1]))
    document = """{ students(orderBy: [{field: NAME}]) { edges { cursor node { name grade } } }
      articles(last: 3, orderBy: [{field: TITLE, direction: DESC}]) {
        pageInfo { startCursor endCursor }
        nodes { title body createdAt author { displayName } } } }"""
    async with _apps(settings, database) as apps:
        ours, theirs, planned = await apps.both(document)
    assert planned
    assert ours == theirs


async def test_times_are_written_as_the_reference_writes_them(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    await load_dataset(connection, users=1)
    whole = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)  # isoformat leaves out .000000
    for stamp in (whole, whole.replace(microsecond=1), whole.replace(microsecond=999_999)):
        await connection.execute(
            insert(Article).values(title="t", body="b", author_id=1, created_at=stamp)
        )
    document = """{ articles(orderBy: [{field: CREATED_AT}]) {
        edges { cursor node { createdAt } } pageInfo { endCursor } } }"""
    async with _apps(settings, database) as apps:
        ours, theirs, planned = await apps.both(document)
    assert planned
    assert ours == theirs
    assert b'"2026-03-01T12:00:00Z"' in ours


@pytest.mark.usefixtures("campus")
async def test_a_prepared_read_is_one_statement_however_deep(
    settings: Settings, database: Database, counter: StatementCounter
) -> None:
    document = CANONICAL[0]
    async with _client(replace(settings, prepared_reads="all"), database) as http:
        counter.statements.clear()
        body = (await http.post("/graphql", json={"query": document})).json()
    assert "errors" not in body
    assert len(counter.statements) == 1
    assert body["extensions"]["sql"] == {"statements": 1, "rows": 1}


@pytest.mark.usefixtures("campus")
@pytest.mark.parametrize(
    "document",
    [
        'mutation { deleteStudent(input: {id: "x"}) { deletedId } }',
        "{ __schema { queryType { name } } }",
        "{ students(first: 1000) { totalCount } }",
        "{ students(first: 2) { nodes { courses(first: 1, last: 1) { totalCount } } } }",
        '{ students(after: "garbage") { totalCount } }',
        "query A { students { totalCount } } query B { courses { totalCount } }",
    ],
    ids=["mutation", "introspection", "page size", "first with last", "cursor", "two operations"],
)
async def test_what_a_plan_does_not_cover_is_answered_the_reference_way(
    document: str, settings: Settings, database: Database
) -> None:
    async with _apps(settings, database) as apps:
        ours, theirs, planned = await apps.both(document)
    assert ours == theirs
    assert not planned or b'"errors"' in ours


async def test_straight_on_the_driver_the_answers_are_the_same(
    settings: Settings, own_database_url: str
) -> None:
    # As deployed: a database of its own, so that prepared reads run straight on
    # the driver (server.db.statements), not inside a test's transaction.
    own = replace(settings, database_url=own_database_url, sql_stats=False)
    async with serve_own(replace(own, prepared_reads="off")) as reference:
        async with reference.database.engine.begin() as connection:
            await load_dataset(connection, **CAMPUS)
        async with serve_own(replace(own, prepared_reads="all")) as prepared:
            for document in CANONICAL:
                text = document % {
                    "student": gid("Student", 3),
                    "user": gid("User", 2),
                    "course": gid("Course", 1),
                }
                body = {"query": text, "variables": VARIABLES}
                ours = await prepared.client.http.post("/graphql", json=body)
                theirs = await reference.client.http.post("/graphql", json=body)
                assert ours.content == theirs.content
