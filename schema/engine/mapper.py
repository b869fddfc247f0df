"""Relationship specs read off the ORM mapper.

A type declares its lists and to-ones by naming the mapped relationship
(``connection(models.Student.courses)``); what the loader needs to read it in
batches (the tables, the join, the parent's key, the index that serves its
order) is derived here from ``sqlalchemy.inspect``. What the mapper cannot
say is declared beside the type: the default order and the association
object's columns shown on the edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Alias, ColumnElement, FromClause, Table
from sqlalchemy.orm import (
    InstrumentedAttribute,
    RelationshipDirection,
    RelationshipProperty,
    configure_mappers,
)
from sqlalchemy.sql.selectable import NamedFromClause
from strawberry.utils.str_converters import to_camel_case

from schema.engine.node import has_node, node_class
from schema.engine.pagination import SortKey
from schema.engine.relations import IndexedLink, ListSpec, Membership, NodeSpec, ToOne, key_of

__all__ = ["derive_list", "derive_membership", "derive_to_one", "link_of", "node_spec"]


def node_spec(model: type[Any]) -> NodeSpec:
    table = model.__table__
    assert isinstance(table, Table)
    return NodeSpec(node_class(model).__strawberry_definition__.name, model, table)  # type: ignore[attr-defined]


def _relationship(attr: InstrumentedAttribute[Any]) -> RelationshipProperty[Any]:
    configure_mappers()
    relationship = attr.property  # an alias's attribute too
    assert isinstance(relationship, RelationshipProperty)
    return relationship


@dataclass(frozen=True)
class Link:
    """Where a parent's members are listed: a table, the parent's key and the member's."""

    table: NamedFromClause
    parent: ColumnElement[int]
    member: ColumnElement[int]
    model: type[Any]


def link_of(attr: InstrumentedAttribute[Any], *, alias: bool = True) -> Link:
    """The link of a to-many relationship: its secondary, its association object or its target."""
    rel = _relationship(attr)
    if rel.secondary is not None:
        secondary = rel.secondary.alias("link") if alias else rel.secondary
        [(_, parent)] = rel.synchronize_pairs
        assert rel.secondary_synchronize_pairs is not None
        [(_, member)] = rel.secondary_synchronize_pairs
        assert isinstance(secondary, NamedFromClause)
        return Link(
            secondary, secondary.c[parent.name], secondary.c[member.name], rel.mapper.class_
        )
    [(_, remote)] = rel.local_remote_pairs
    target = rel.mapper.local_table
    assert isinstance(target, Table)
    if has_node(rel.mapper.class_):  # one-to-many: the target's rows hold the key
        return Link(target, target.c[remote.name], target.c.id, rel.mapper.class_)
    # An association object: the member is the one it refers to on its other side.
    [other] = [
        r
        for r in rel.mapper.relationships
        if r.direction is RelationshipDirection.MANYTOONE and r.key != rel.back_populates
    ]
    [(member, _)] = other.local_remote_pairs
    table = target.alias("link") if alias else target
    return Link(table, table.c[remote.name], table.c[member.name], other.mapper.class_)


def derive_list(
    name: str,
    path: Sequence[Any],
    order: Sequence[str],
    *,
    descending: bool,
    edge: Mapping[str, InstrumentedAttribute[Any]],
) -> ListSpec:
    """The list of ``path``: a model (a root list), one relationship, or two in a row."""
    if isinstance(path[0], type):  # every row of a model
        node = node_spec(path[0])
        return ListSpec(name, node, _order(node, order, {}, descending), node.table)
    link = link_of(path[0])
    edges = {key: link.table.c[column.key] for key, column in edge.items()}
    if len(path) == 2:  # the nodes the second relationship reaches from each member
        [(_, remote)] = _relationship(path[1]).local_remote_pairs
        node = node_spec(_relationship(path[1]).mapper.class_)
        reached = node.table.join(link.table, link.member == node.table.c[remote.name])
        return ListSpec(
            name, node, _order(node, order, edges, descending), reached, link.parent, edges
        )
    node = node_spec(link.model)
    keys = _order(node, order, edges, descending)
    source: FromClause = node.table
    if link.table is not node.table:
        source = node.table.join(link.table, link.member == node.table.c.id)
    indexed = _indexed(link, node, keys)
    return ListSpec(name, node, keys, source, link.parent, edges, indexed)


def _order(
    node: NodeSpec,
    names: Sequence[str],
    edges: Mapping[str, ColumnElement[Any]],
    descending: bool,
) -> tuple[SortKey, ...]:
    """Sort keys by column name, an edge's column named as the edge's field."""
    return tuple(
        key_of(to_camel_case(name), edges[name], descending=descending)
        if name in edges
        else key_of(name, node.table.c[name], descending=descending)
        for name in names
    )


def _indexed(link: Link, node: NodeSpec, keys: Sequence[SortKey]) -> IndexedLink | None:
    """The link, when an index of its table starts with the parent key and then the order."""
    order: list[ColumnElement[Any]] = []
    for key in keys:
        if key.column is node.table.c.id:
            order.append(link.member)
        elif link.table is node.table or any(key.column is c for c in link.table.c):
            order.append(key.column)
        else:
            return None
    table = link.table.element if isinstance(link.table, Alias) else link.table
    assert isinstance(table, Table)
    wanted = [link.parent.name, *(column.name for column in order)]
    indexes = [list(index.columns.keys()) for index in table.indexes]
    indexes.append(list(table.primary_key.columns.keys()))
    if not any(columns[: len(wanted)] == wanted for columns in indexes):
        return None
    return IndexedLink(link.table, link.member, tuple(order))


def derive_to_one(attr: InstrumentedAttribute[Any]) -> ToOne:
    rel = _relationship(attr)
    [(local, remote)] = rel.local_remote_pairs
    parent_attr = "pk" if local.primary_key else local.key
    assert parent_attr is not None
    return ToOne(node_spec(rel.mapper.class_), remote, parent_attr)


def derive_membership(attr: InstrumentedAttribute[Any]) -> Membership:
    link = link_of(attr, alias=False)
    return Membership(link.parent, link.member, node_spec(link.model).type_name)
