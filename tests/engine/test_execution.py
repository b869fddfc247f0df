"""The executor's short ways answer exactly what graphql-core's long way answers.

Every document runs twice over the same data: through the schema as served,
and through the same types with Strawberry's stock execution context. Data,
errors, their paths and their order must agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.schema.config import StrawberryConfig

from schema import root
from schema.common.context import Context
from schema.common.errors import mask
from schema.common.extensions import RequestScope
from schema.common.scalars import DateTime
from schema.domains import articles, courses, students, teachers, users
from server.config import Settings
from server.db.engine import Database
from server.security.auth import Auth
from tests.support import gid, load_dataset

# The reference executor's own ways (prepared reads have tests of their own).
pytestmark = pytest.mark.read_paths("off")

STOCK = strawberry.Schema(
    query=root.Query,
    mutation=root.Mutation,
    types=[students.Student, courses.Course, teachers.Teacher, users.User, articles.Article],
    extensions=[RequestScope],
    config=StrawberryConfig(scalar_map={dt.datetime: DateTime}),
)

DOCUMENTS = [
    # Three levels of lists, with edges, cursors, pageInfo and counts.
    """{ students(first: 7) { totalCount pageInfo { hasNextPage endCursor }
         edges { cursor node { id name grade courses(first: 3) { totalCount
           nodes { id code title teacher { id name } students(first: 2) {
             edges { cursor node { id name } } } } } } } } }""",
    # Aliases with different arguments, fragments, inline fragments, @skip.
    """query ($skip: Boolean = true) {
         a: students(first: 2) { nodes { ...S } }
         b: students(last: 2, orderBy: [{field: NAME, direction: DESC}]) { nodes { ...S } }
         c: courses(first: 2) { nodes { __typename ... on Course { id } x: students(first: 1) {
           nodes { id } } y: students(last: 1) { nodes { id } } } }
         d: students(first: 1) @skip(if: $skip) { totalCount } }
       fragment S on Student { id name grade user { id username student { id } } }""",
    # Users: the follow association object, articles, feed and the follow checks.
    """{ users(first: 4) { nodes { id username displayName isAdmin createdAt
         isFollowing(userId: "%(user)s") isFollowedBy(userId: "nonsense")
         followers(first: 3) { edges { followedAt cursor node { id username } } }
         following(last: 2) { nodes { id } pageInfo { hasPreviousPage startCursor } }
         articles(first: 2) { nodes { id title body createdAt author { id } } }
         feed(first: 2) { totalCount nodes { id } } } } }""",
    # node/nodes over every type, with unknown and malformed IDs.
    """{ node(id: "%(student)s") { __typename id ... on Student { name } }
         nodes(ids: ["%(student)s", "%(user)s", "bad", "%(course)s"]) {
           __typename id ... on Course { code } ... on User { username } } }""",
    # Errors: a bad cursor at the root and a bad page size in a nested list.
    """{ students(first: 2, after: "garbage") { totalCount } }""",
    """{ students(first: 2) { nodes { id courses(first: -1) { totalCount } } } }""",
    """{ courses(first: 2) { nodes { id } } students(first: 1, last: 1) { totalCount } }""",
]


async def _run(
    schema: strawberry.Schema,
    document: str,
    settings: Settings,
    database: Database,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context = Context(settings=settings, database=database, auth=Auth(settings))
    result = await schema.execute(document, variable_values=variables, context_value=context)
    errors = [mask(error).formatted for error in result.errors or ()]
    for error in errors:
        error.get("extensions", {}).pop("requestId", None)
    return {"data": result.data, "errors": errors}


@pytest.mark.parametrize("number", range(len(DOCUMENTS)))
async def test_the_short_ways_answer_as_the_stock_executor(
    number: int, settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    await load_dataset(
        connection,
        students=30,
        courses=8,
        teachers=3,
        registrations=90,
        users=12,
        follows=40,
        articles=25,
    )
    document = DOCUMENTS[number] % {
        "student": gid("Student", 3),
        "user": gid("User", 2),
        "course": gid("Course", 1),
    }

    ours = await _run(root.schema, document, settings, database)
    stock = await _run(STOCK, document, settings, database)

    assert ours == stock
    assert ours["data"] is not None or ours["errors"]
