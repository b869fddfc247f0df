"""What every relationship field of the schema reads, described as data.

The loader turns these descriptions into batched SQL: one statement per
field of the query document, whatever the number of parent rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Column, ColumnElement, FromClause, Table
from sqlalchemy.sql.selectable import NamedFromClause

from schema.engine.pagination import SortKey
from server.models import (
    Article,
    Course,
    Follow,
    Student,
    Teacher,
    User,
    UTCDateTime,
    registrations,
)

__all__ = [
    "RELATIONS",
    "ROOT_LISTS",
    "FollowCheck",
    "IndexedLink",
    "ListSpec",
    "NodeSpec",
    "ToOne",
]


_PRIVATE_COLUMNS = frozenset({"password_hash", "token_version"})


@dataclass(frozen=True)
class NodeSpec:
    """A node type: its table, the columns ``orderBy`` may name and its filter."""

    type_name: str
    table: Table
    order_fields: Mapping[str, str]
    filter_type: str

    @property
    def columns(self) -> list[Column[Any]]:
        """The columns a node is built from; secrets stay in the database."""
        return [c for c in self.table.c if c.name not in _PRIVATE_COLUMNS]

    def sort_key(self, field: str, *, descending: bool) -> SortKey:
        column = self.table.c[self.order_fields[field]]
        return SortKey(
            name=field.lower(),
            column=column,
            descending=descending,
            nullable=bool(column.nullable),
            is_time=isinstance(column.type, UTCDateTime),
        )


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


STUDENT = NodeSpec(
    "Student", _table(Student), {"ID": "id", "NAME": "name", "GRADE": "grade"}, "StudentFilter"
)
COURSE = NodeSpec(
    "Course", _table(Course), {"ID": "id", "CODE": "code", "TITLE": "title"}, "CourseFilter"
)
TEACHER = NodeSpec("Teacher", _table(Teacher), {"ID": "id", "NAME": "name"}, "TeacherFilter")
USER = NodeSpec(
    "User",
    _table(User),
    {"ID": "id", "USERNAME": "username", "CREATED_AT": "created_at"},
    "UserFilter",
)
ARTICLE = NodeSpec(
    "Article",
    _table(Article),
    {"ID": "id", "TITLE": "title", "CREATED_AT": "created_at"},
    "ArticleFilter",
)
NODES = {spec.type_name: spec for spec in (STUDENT, COURSE, TEACHER, USER, ARTICLE)}


@dataclass(frozen=True)
class IndexedLink:
    """The table holding a nested list's parent key, and the index its order has.

    ``member`` is the column of ``table`` naming the listed node; an index on
    (the parent key, ``*order``) lists a parent's members in the list's default
    order, so a page of it is a LIMIT over that index.
    """

    table: NamedFromClause
    member: ColumnElement[int]
    order: tuple[ColumnElement[Any], ...]

    def keys(self, node: NodeSpec, keys: Sequence[SortKey]) -> tuple[SortKey, ...] | None:
        """``keys`` read from ``table``, if its index serves them; else None."""
        if len({key.descending for key in keys}) != 1:  # an index scans one way
            return None
        moved = tuple(
            replace(key, column=self.member) if key.column is node.table.c.id else key
            for key in keys
        )
        if len(moved) != len(self.order):
            return None
        if any(key.column is not column for key, column in zip(moved, self.order, strict=True)):
            return None
        return moved


@dataclass(frozen=True)
class ListSpec:
    """A paged list of nodes, at the root or under a parent.

    ``source`` is the node table, joined to whatever links it to its parent;
    ``parent`` is the column holding the parent's key. ``default_order`` is
    used when no ``orderBy`` is given; it always ends in the id. ``link``, when
    set, is where a parent's page can be read off an index.
    """

    name: str
    node: NodeSpec
    default_order: tuple[SortKey, ...]
    source: FromClause
    parent: ColumnElement[Any] | None = None
    edge_columns: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)
    link: IndexedLink | None = None

    def sort_keys(self, order_by: Sequence[Mapping[str, Any]] | None) -> tuple[SortKey, ...]:
        if not order_by:
            return self.default_order
        keys: list[SortKey] = []
        for item in order_by:
            name = _enum_name(item["field"])
            if any(key.name == name.lower() for key in keys):
                continue
            keys.append(
                self.node.sort_key(name, descending=_enum_name(item["direction"]) == "DESC")
            )
        if all(key.name != "id" for key in keys):  # the id makes every order total
            keys.append(self.node.sort_key("ID", descending=keys[-1].descending))
        return tuple(keys)


def _enum_name(value: Any) -> str:
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class ToOne:
    """A single related node, matched on ``key`` from the parent's ``parent_attr``."""

    node: NodeSpec
    key: ColumnElement[Any]
    parent_attr: str


@dataclass(frozen=True)
class FollowCheck:
    """Whether a follow joins the parent (``parent``) and the argument user (``other``)."""

    parent: ColumnElement[int]
    other: ColumnElement[int]


def _ascending(node: NodeSpec) -> tuple[SortKey, ...]:
    return (node.sort_key("ID", descending=False),)


def _newest_first(node: NodeSpec) -> tuple[SortKey, ...]:
    return (node.sort_key("CREATED_AT", descending=True), node.sort_key("ID", descending=True))


def _root(node: NodeSpec) -> ListSpec:
    return ListSpec(f"Query.{node.type_name.lower()}s", node, _ascending(node), node.table)


ROOT_LISTS = {spec.node.type_name: spec for spec in map(_root, NODES.values())}

_reg = registrations.alias("link")
_follows = _table(Follow)
_follow_link = _follows.alias("link")
_users = USER.table


def _follow_list(name: str, listed: ColumnElement[int], parent: ColumnElement[int]) -> ListSpec:
    followed_at = _follow_link.c.created_at
    order = (
        SortKey("followedAt", followed_at, descending=True, is_time=True),
        SortKey("id", _users.c.id, descending=True),
    )
    return ListSpec(
        name,
        USER,
        order,
        _users.join(_follow_link, listed == _users.c.id),
        parent,
        edge_columns={"followed_at": followed_at},
        link=IndexedLink(_follow_link, listed, (followed_at, listed)),
    )


def _by_id(table: NamedFromClause, member: ColumnElement[int]) -> IndexedLink:
    return IndexedLink(table, member, (member,))


RELATIONS: dict[str, dict[str, ListSpec | ToOne | FollowCheck]] = {
    "Student": {
        "user": ToOne(USER, _users.c.id, "user_id"),
        "courses": ListSpec(
            "Student.courses",
            COURSE,
            _ascending(COURSE),
            COURSE.table.join(_reg, _reg.c.course_id == COURSE.table.c.id),
            _reg.c.student_id,
            link=_by_id(_reg, _reg.c.course_id),
        ),
    },
    "Course": {
        "teacher": ToOne(TEACHER, TEACHER.table.c.id, "teacher_id"),
        "students": ListSpec(
            "Course.students",
            STUDENT,
            _ascending(STUDENT),
            STUDENT.table.join(_reg, _reg.c.student_id == STUDENT.table.c.id),
            _reg.c.course_id,
            link=_by_id(_reg, _reg.c.student_id),
        ),
    },
    "Teacher": {
        "courses": ListSpec(
            "Teacher.courses",
            COURSE,
            _ascending(COURSE),
            COURSE.table,
            COURSE.table.c.teacher_id,
            link=_by_id(COURSE.table, COURSE.table.c.id),
        ),
    },
    "User": {
        "student": ToOne(STUDENT, STUDENT.table.c.user_id, "pk"),
        "articles": ListSpec(
            "User.articles",
            ARTICLE,
            _newest_first(ARTICLE),
            ARTICLE.table,
            ARTICLE.table.c.author_id,
            link=IndexedLink(
                ARTICLE.table,
                ARTICLE.table.c.id,
                (ARTICLE.table.c.created_at, ARTICLE.table.c.id),
            ),
        ),
        "followers": _follow_list(
            "User.followers", _follow_link.c.follower_id, _follow_link.c.followed_id
        ),
        "following": _follow_list(
            "User.following", _follow_link.c.followed_id, _follow_link.c.follower_id
        ),
        "isFollowing": FollowCheck(_follows.c.follower_id, _follows.c.followed_id),
        "isFollowedBy": FollowCheck(_follows.c.followed_id, _follows.c.follower_id),
        # The feed merges many authors' articles: no index has its order.
        "feed": ListSpec(
            "User.feed",
            ARTICLE,
            _newest_first(ARTICLE),
            ARTICLE.table.join(
                _follow_link, _follow_link.c.followed_id == ARTICLE.table.c.author_id
            ),
            _follow_link.c.follower_id,
        ),
    },
    "Article": {
        "author": ToOne(USER, _users.c.id, "author_id"),
    },
}
