"""The naive baseline's types: every relationship field queries for its own parent."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, select

from bench.cursors import encode_cursor
from bench.naive.context import Info
from bench.naive.filters import StudentFilter, student_filter
from server.db import models

__all__ = [
    "Article",
    "Connection",
    "Course",
    "Node",
    "Student",
    "User",
    "global_id",
    "id_cursor",
    "page",
]

T = TypeVar("T")


def global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii"))


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    """A page of nodes; edges, cursors and the count are made only when asked for."""

    nodes: list[T]
    has_next: strawberry.Private[bool]
    after: strawberry.Private[str | None]
    cursor_of: strawberry.Private[Callable[[Any], str]]
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        return [Edge(cursor=self.cursor_of(node), node=node) for node in self.nodes]

    @strawberry.field
    def page_info(self) -> PageInfo:
        return _page_info(self.nodes, self.has_next, self.after, self.cursor_of)

    @strawberry.field
    async def total_count(self) -> int:
        return await self.counter()


def _page_info(
    nodes: Sequence[Any], has_next: bool, after: str | None, cursor_of: Callable[[Any], str]
) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=cursor_of(nodes[0]) if nodes else None,
        end_cursor=cursor_of(nodes[-1]) if nodes else None,
    )


def id_cursor(list_name: str) -> Callable[[Any], str]:
    return lambda node: encode_cursor(list_name, "id:asc", [node.pk])


async def _no_count() -> int:
    raise NotImplementedError("totalCount is only implemented where the benchmark asks for it")


async def page(
    info: Info,
    stmt: Select[Any],
    order: Sequence[Any],
    first: int,
    build: Callable[[Any], T],
) -> tuple[list[T], bool]:
    """Run one list query with the page's LIMIT; the page and whether there is more."""
    rows = await info.context.objects(stmt.order_by(*order).limit(first + 1))
    return [build(row) for row in rows[:first]], len(rows) > first


@strawberry.type
class Student(Node):
    pk: strawberry.Private[int]
    name: str
    grade: str | None

    @classmethod
    def from_row(cls, row: models.Student) -> Student:
        return cls(id=global_id("Student", row.id), pk=row.id, name=row.name, grade=row.grade)

    @strawberry.field
    async def courses(self, info: Info, first: int = 20) -> Connection[Course]:
        reg = models.registrations.c
        stmt = (
            select(models.Course)
            .join(models.registrations, reg.course_id == models.Course.id)
            .where(reg.student_id == self.pk)
        )
        nodes, more = await page(info, stmt, [models.Course.id], first, Course.from_row)
        return Connection(
            nodes=nodes,
            has_next=more,
            after=None,
            cursor_of=id_cursor("Student.courses"),
            counter=_no_count,
        )


@strawberry.type
class Course(Node):
    pk: strawberry.Private[int]
    code: str
    title: str

    @classmethod
    def from_row(cls, row: models.Course) -> Course:
        return cls(id=global_id("Course", row.id), pk=row.id, code=row.code, title=row.title)

    @strawberry.field
    async def students(
        self, info: Info, first: int = 20, filter: StudentFilter | None = None
    ) -> Connection[Student]:
        reg = models.registrations.c
        stmt = (
            select(models.Student)
            .join(models.registrations, reg.student_id == models.Student.id)
            .where(reg.course_id == self.pk)
        )
        if filter is not None:
            stmt = stmt.where(student_filter(filter, info.context.database.is_sqlite))
        nodes, more = await page(info, stmt, [models.Student.id], first, Student.from_row)
        return Connection(
            nodes=nodes,
            has_next=more,
            after=None,
            cursor_of=id_cursor("Course.students"),
            counter=_no_count,
        )


@strawberry.type
class Article(Node):
    pk: strawberry.Private[int]
    title: str
    body: str
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: models.Article) -> Article:
        return cls(
            id=global_id("Article", row.id),
            pk=row.id,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
        )


@strawberry.type
class FollowEdge:
    cursor: str
    followed_at: dt.datetime
    node: User


@strawberry.type
class FollowConnection:
    edges: list[FollowEdge]
    has_next: strawberry.Private[bool]

    @strawberry.field
    def nodes(self) -> list[User]:
        return [edge.node for edge in self.edges]

    @strawberry.field
    def page_info(self) -> PageInfo:
        return _page_info(self.edges, self.has_next, None, lambda edge: edge.cursor)


@strawberry.type
class User(Node):
    pk: strawberry.Private[int]
    username: str
    display_name: str
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: models.User) -> User:
        return cls(
            id=global_id("User", row.id),
            pk=row.id,
            username=row.username,
            display_name=row.display_name,
            created_at=row.created_at,
        )

    @strawberry.field
    async def articles(self, info: Info, first: int = 20) -> Connection[Article]:
        article = models.Article
        stmt = select(article).where(article.author_id == self.pk)
        order = [article.created_at.desc(), article.id.desc()]
        nodes, more = await page(info, stmt, order, first, Article.from_row)

        def cursor_of(node: Article) -> str:
            return encode_cursor(
                "User.articles", "created_at:desc,id:desc", [node.created_at, node.pk]
            )

        return Connection(
            nodes=nodes, has_next=more, after=None, cursor_of=cursor_of, counter=_no_count
        )

    @strawberry.field
    async def followers(self, info: Info, first: int = 20) -> FollowConnection:
        follow, user = models.Follow, models.User
        stmt = (
            select(user, follow.created_at)
            .join(follow, follow.follower_id == user.id)
            .where(follow.followed_id == self.pk)
            .order_by(follow.created_at.desc(), user.id.desc())
            .limit(first + 1)
        )
        rows = await info.context.rows(stmt)
        edges = [
            FollowEdge(
                cursor=encode_cursor(
                    "User.followers", "followedAt:desc,id:desc", [followed_at, row.id]
                ),
                followed_at=followed_at,
                node=User.from_row(row),
            )
            for row, followed_at in rows[:first]
        ]
        return FollowConnection(edges=edges, has_next=len(rows) > first)
