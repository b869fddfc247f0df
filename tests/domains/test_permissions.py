"""Who may call which mutation (SPEC §5, §9), checked for every protected mutation at once."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from tests.people import People, bearer
from tests.rows import snapshot
from tests.support import GraphQLClient

# Every protected mutation, with an input whose IDs ("x") are malformed: a
# refusal must come before any of them is looked at.
PROTECTED = {
    "createStudent": '{name: "x", courseIds: ["x"]}',
    "updateStudent": '{id: "x", name: "x"}',
    "deleteStudent": '{id: "x"}',
    "createCourse": '{code: "x", title: "x", teacherId: "x"}',
    "updateCourse": '{id: "x"}',
    "deleteCourse": '{id: "x"}',
    "createTeacher": '{name: "x"}',
    "updateTeacher": '{id: "x"}',
    "deleteTeacher": '{id: "x"}',
    "enrollStudent": '{studentId: "x", courseId: "x"}',
    "withdrawStudent": '{studentId: "x", courseId: "x"}',
    "setStudentCourses": '{studentId: "x", courseIds: []}',
    "assignTeacher": '{courseId: "x"}',
    "linkStudentUser": '{studentId: "x"}',
    "updateViewer": '{displayName: "x"}',
    "changePassword": '{currentPassword: "x", newPassword: "password-2"}',
    "follow": '{userId: "x"}',
    "unfollow": '{userId: "x"}',
    "deleteUser": '{id: "x"}',
    "createArticle": '{title: "x", body: "x"}',
    "updateArticle": '{id: "x"}',
    "deleteArticle": '{id: "x"}',
}
ADMIN_ONLY = [
    "createStudent",
    "updateStudent",
    "deleteStudent",
    "createCourse",
    "updateCourse",
    "deleteCourse",
    "createTeacher",
    "updateTeacher",
    "deleteTeacher",
    "setStudentCourses",
    "assignTeacher",
    "linkStudentUser",
]


def _document(mutation: str) -> str:
    return f"mutation {{ {mutation}(input: {PROTECTED[mutation]}) {{ userErrors {{ code }} }} }}"


def _bad_tokens(settings: Settings, user_id: int) -> dict[str, str]:
    secret = settings.secret_key
    assert secret is not None
    now = dt.datetime.now(dt.UTC)
    good = bearer(settings, user_id)["Authorization"]
    claims = {"sub": str(user_id), "ver": 0, "iat": now, "exp": now + dt.timedelta(hours=1)}
    expired = {**claims, "iat": now - dt.timedelta(hours=2), "exp": now - dt.timedelta(hours=1)}
    return {
        "expired": "Bearer " + jwt.encode(expired, secret, algorithm="HS256"),
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "malformed": "Bearer not.a.jwt",
        "another key": "Bearer " + jwt.encode(claims, "x" * 40 + secret, algorithm="HS256"),
        "unsigned": "Bearer " + jwt.encode(claims, None, algorithm="none"),
        "no version": "Bearer "
        + jwt.encode({k: v for k, v in claims.items() if k != "ver"}, secret, algorithm="HS256"),
        "stale version": bearer(settings, user_id, version=1)["Authorization"],
        "unknown user": bearer(settings, 999_999)["Authorization"],
        "not bearer": good.replace("Bearer", "Basic"),
        "bare token": good.removeprefix("Bearer "),
    }


@pytest.mark.parametrize("mutation", PROTECTED)
async def test_without_a_token_a_protected_mutation_is_unauthenticated(
    client: GraphQLClient, connection: AsyncConnection, people: People, mutation: str
) -> None:
    before = await snapshot(connection)

    body = await client.execute(_document(mutation))

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await snapshot(connection) == before


async def test_an_invalid_token_is_unauthenticated_for_mutations_and_anonymous_for_reads(
    client: GraphQLClient, connection: AsyncConnection, people: People, settings: Settings
) -> None:
    before = await snapshot(connection)
    for name, header in _bad_tokens(settings, people.admin.id).items():
        body = await client.execute(_document("createTeacher"), Authorization=header)
        assert body["data"] is None, name
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], name

        read = await client.query("{ viewer { id } teachers { totalCount } }", Authorization=header)
        assert read == {"viewer": None, "teachers": {"totalCount": 0}}, name
    assert await snapshot(connection) == before


@pytest.mark.parametrize("mutation", ADMIN_ONLY)
async def test_an_admin_only_mutation_is_forbidden_before_ids_are_looked_at(
    client: GraphQLClient, connection: AsyncConnection, people: People, mutation: str
) -> None:
    before = await snapshot(connection)

    data = await client.query(_document(mutation), {}, **people.alice.headers)

    assert data == {mutation: {"userErrors": [{"code": "FORBIDDEN"}]}}
    assert await snapshot(connection) == before


async def test_the_viewer_is_the_signed_in_user(client: GraphQLClient, people: People) -> None:
    query = "{ viewer { id username isAdmin } }"

    assert await client.query(query) == {"viewer": None}
    assert await client.query(query, {}, **people.alice.headers) == {
        "viewer": {"id": people.alice.gid, "username": "alice", "isAdmin": False}
    }
    assert (await client.query(query, {}, **people.admin.headers))["viewer"]["isAdmin"] is True
