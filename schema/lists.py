"""Resolvers of the lists under a parent object (``Student.courses`` and so on).

The loader has already fetched each list with its parent's level; these only
hand it over. They are declared once per list shape and shared by the types
that have such a list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.context import Context
from schema.engine.filters import CourseFilter, StudentFilter
from schema.engine.node import Node
from schema.engine.ordering import ArticleOrder, CourseOrder, StudentOrder
from schema.engine.pagination import Connection, FollowConnection

if TYPE_CHECKING:
    from schema.articles import Article
    from schema.courses import Course
    from schema.students import Student

__all__ = ["article_list", "course_list", "feed_list", "follow_list", "student_list"]

Info = strawberry.Info[Context, None]
LazyStudent = Annotated["Student", strawberry.lazy("schema.students")]
LazyCourse = Annotated["Course", strawberry.lazy("schema.courses")]
LazyArticle = Annotated["Article", strawberry.lazy("schema.articles")]


def student_list(
    root: strawberry.Parent[Node],
    info: Info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    filter: StudentFilter | None = None,
    order_by: list[StudentOrder] | None = None,
) -> Connection[LazyStudent]:
    return root.related(info)  # type: ignore[no-any-return]


def course_list(
    root: strawberry.Parent[Node],
    info: Info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    filter: CourseFilter | None = None,
    order_by: list[CourseOrder] | None = None,
) -> Connection[LazyCourse]:
    return root.related(info)  # type: ignore[no-any-return]


def article_list(
    root: strawberry.Parent[Node],
    info: Info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    order_by: list[ArticleOrder] | None = None,
) -> Connection[LazyArticle]:
    return root.related(info)  # type: ignore[no-any-return]


def feed_list(
    root: strawberry.Parent[Node],
    info: Info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[LazyArticle]:
    return root.related(info)  # type: ignore[no-any-return]


def follow_list(
    root: strawberry.Parent[Node],
    info: Info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> FollowConnection:
    return root.related(info)  # type: ignore[no-any-return]
