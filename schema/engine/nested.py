"""The SQL of nested pages: every parent's page of one list in one statement.

Where an index on (parent key, the list's order) exists, each parent's page
is a ``LIMIT`` over it, so a page reads n+1 index entries per parent however
large each parent's collection is: PostgreSQL runs a ``LATERAL`` sub-select
per parent key over the link table and joins the node rows after; SQLite
keeps, per parent key, the rows a correlated sub-select with ``LIMIT``
picks. Orders no index serves (``orderBy`` on a column no index has, mixed
directions, the feed) rank all parents' rows with ``row_number()`` instead.

Both forms select the node's columns, the sort keys (labelled as
``SortKey.label``), the edge columns and the parent key as ``link_parent``,
each parent's rows in page order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    TableValuedAlias,
    bindparam,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from schema.engine.pagination import Page, SortKey
from schema.engine.relations import IndexedLink, ListSpec

__all__ = ["KEYS", "LIMIT", "nested_page"]

# The names of the parameters the statements bind: the parent keys, and n+1.
KEYS = "keys"
LIMIT = "page_limit"


def nested_page(
    spec: ListSpec,
    page: Page,
    predicate: ColumnElement[bool],
    in_keys: ColumnElement[bool],
    *,
    filtered: bool,
    sqlite: bool,
) -> Select[Any]:
    """Every parent's page; ``in_keys`` is ``spec.parent IN (the keys)``."""
    link = spec.link
    keys = None if link is None else link.keys(spec.node, page.keys)
    if link is None or keys is None:
        return _ranked(spec, page, predicate, in_keys)
    on_link = replace(page, keys=keys)
    return _indexed(spec, link, on_link, predicate, filtered=filtered, sqlite=sqlite)


def _parent_keys(sqlite: bool) -> TableValuedAlias:
    """The parent keys as a table of one column, ``value``."""
    if sqlite:
        return func.json_each(bindparam(KEYS, type_=String)).table_valued("value").alias("parent")
    keys = func.unnest(bindparam(KEYS, type_=ARRAY(Integer)))
    return keys.table_valued("value").render_derived(name="parent")


def _top(
    spec: ListSpec,
    link: IndexedLink,
    page: Page,
    predicate: ColumnElement[bool],
    parent: TableValuedAlias,
    *columns: ColumnElement[Any],
    filtered: bool,
) -> Select[Any]:
    """One parent's page of members, a LIMIT over the link table's index.

    The node table is joined in only when a filter needs its columns.
    """
    assert spec.parent is not None
    bounds, _ = page.bounds()
    return (
        select(*columns)
        .select_from(spec.source if filtered else link.table)
        .where(spec.parent == parent.c.value, predicate, *bounds)
        .order_by(*page.order_by())
        .limit(bindparam(LIMIT, type_=Integer))
        # Only the parent key comes from outside: the tables inside are its own.
        .correlate(parent)
    )


def _indexed(
    spec: ListSpec,
    link: IndexedLink,
    page: Page,
    predicate: ColumnElement[bool],
    *,
    filtered: bool,
    sqlite: bool,
) -> Select[Any]:
    parent = _parent_keys(sqlite)
    nodes = spec.node.table
    keys: list[SortKey] = list(page.keys)
    if sqlite:
        # SQLite has no LATERAL: a rowid IN a correlated sub-select is run once
        # per parent key. The rowid makes the lookup of the rows it picks
        # certain; on (member, parent) the planner may walk the parent's whole
        # collection through the other index instead.
        rowid = literal_column(f"{link.table.name}.rowid", Integer)
        top = _top(spec, link, page, predicate, parent, rowid, filtered=filtered)
        joined = parent.join(link.table, rowid.in_(top))
        if link.table is not nodes:
            joined = joined.join(nodes, nodes.c.id == link.member)
        selected: list[ColumnElement[Any]] = [
            *(key.column.label(key.label) for key in keys),
            *(column.label(name) for name, column in spec.edge_columns.items()),
        ]
    else:
        lateral = _top(
            spec,
            link,
            page,
            predicate,
            parent,
            link.member.label("link_member"),
            *(key.column.label(key.label) for key in keys),
            *(column.label(name) for name, column in spec.edge_columns.items()),
            filtered=filtered,
        ).lateral("top")
        joined = parent.join(lateral, true()).join(nodes, nodes.c.id == lateral.c.link_member)
        keys = [replace(key, column=lateral.c[key.label]) for key in keys]
        selected = [
            *(key.column for key in keys),
            *(lateral.c[name] for name in spec.edge_columns),
        ]
    return (
        select(*spec.node.columns, *selected, parent.c.value.label("link_parent"))
        .select_from(joined)
        .order_by(parent.c.value, *(key.order_by(page.backward) for key in keys))
    )


def _ranked(
    spec: ListSpec, page: Page, predicate: ColumnElement[bool], in_keys: ColumnElement[bool]
) -> Select[Any]:
    assert spec.parent is not None
    bounds, _ = page.bounds()
    rank = func.row_number().over(partition_by=spec.parent, order_by=page.order_by())
    ranked = (
        select(
            *spec.node.columns,
            *(key.column.label(key.label) for key in page.keys),
            *(column.label(name) for name, column in spec.edge_columns.items()),
            spec.parent.label("link_parent"),
            rank.label("link_rank"),
        )
        .select_from(spec.source)
        .where(predicate, in_keys, *bounds)
        .subquery()
    )
    return (
        select(ranked)
        .where(ranked.c.link_rank <= bindparam(LIMIT, type_=Integer))
        .order_by(ranked.c.link_parent, ranked.c.link_rank)
    )
