"""What a relationship field reads, described as data the loader turns into SQL.

The descriptions are derived from the ORM mapper (``schema.engine.mapper``)
the first time a field is used, and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, String, Table
from sqlalchemy.sql.selectable import NamedFromClause
from strawberry.types.field import StrawberryField

from schema.engine.node import public_columns
from schema.engine.pagination import SortKey
from schema.engine.runtime import UTCDateTime

__all__ = [
    "RELATED",
    "IndexedLink",
    "ListSpec",
    "Membership",
    "NodeSpec",
    "Relation",
    "ToOne",
    "is_related",
    "key_of",
]


@dataclass(frozen=True)
class NodeSpec:
    """A node type: its name, its model and its table."""

    type_name: str
    model: type[Any]
    table: Table

    @property
    def columns(self) -> list[Any]:
        return public_columns(self.table)

    def sort_key(self, field: str, *, descending: bool) -> SortKey:
        """The key of an ``orderBy`` field: the column of that name."""
        return key_of(field.lower(), self.table.c[field.lower()], descending=descending)


def key_of(name: str, column: ColumnElement[Any], *, descending: bool) -> SortKey:
    return SortKey(
        name=name,
        column=column,
        descending=descending,
        nullable=bool(getattr(column, "nullable", False)),
        is_time=isinstance(column.type, UTCDateTime),
        is_text=isinstance(column.type, String),
    )


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
class Membership:
    """Whether a link joins the parent (``parent``) and the argument's node (``other``)."""

    parent: ColumnElement[int]
    other: ColumnElement[int]
    other_type: str


Spec = ListSpec | ToOne | Membership
# The key of a relationship field's ``Relation`` in its Strawberry field's metadata.
RELATED = "campus.related"


class Relation:
    """A declared relationship field; its spec is derived on first use, then kept."""

    def __init__(self, derive: Callable[[str], Spec]) -> None:
        self._derive = derive
        self._spec: Spec | None = None

    def spec(self, name: str) -> Spec:
        """The spec, ``name`` being the field's ``Type.field``."""
        if self._spec is None:
            self._spec = self._derive(name)
        return self._spec


def is_related(field: StrawberryField) -> bool:
    """Whether the loader fills this field (a relationship below the root)."""
    return RELATED in field.metadata
