"""The loader's statements: built once per shape, their values bound at execution.

Building a statement costs SQLAlchemy more than running a small one
(sub-query column collections, mostly). Shapes are bounded by the schema
(lists, orders, cursor directions) except for filters, whose shapes clients
choose: filtered statements are kept by the filter's shape (its values are
parameters too), the ``FILTERED_SHAPES`` most recently used of them.

A root list's ``totalCount`` is read by the page's own statement, as a
sub-select the database runs once: one round trip, and the count and the page
see the same snapshot.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    func,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from schema.engine.filters import compile_filter, filter_shape, filter_size, filter_values
from schema.engine.nested import KEYS, LIMIT, nested_page
from schema.engine.pagination import Page, read_off
from schema.engine.relations import ListSpec, Membership, NodeSpec, ToOne

__all__ = ["FILTERED_SHAPES", "KEYS", "TOTAL", "Statements"]

# The label of a root page's total, when the page reads it.
TOTAL = "total"
FILTERED_SHAPES = 512
# SQLite counts a sub-select among the result columns at the depth of the
# statement around it, which halves how deep a filter may nest (1,000 levels:
# an OR of some 490 terms). A filter larger than this is counted on its own.
_COUNTED_WITH_PAGE = 100
# Statements by dialect and shape; the filtered ones by recent use.
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}
_FILTERED: OrderedDict[tuple[Any, ...], Select[Any]] = OrderedDict()


class Statements:
    """The statements of one dialect. A filter is None, or its input class and its value."""

    def __init__(self, *, sqlite: bool) -> None:
        self.sqlite = sqlite

    def page(
        self,
        spec: ListSpec,
        page: Page,
        filter_value: Any,
        keys: list[Any] | None,
        *,
        with_total: bool = False,
    ) -> tuple[Select[Any], dict[str, Any]]:
        """The page (of every parent's page), and the values it binds.

        ``with_total`` (a root list only) adds the whole list's count to every
        row, labelled ``TOTAL``.
        """
        bounds, params = page.bounds()
        params[LIMIT] = page.size + 1
        params.update(_values(filter_value))
        per_parent = keys is not None and spec.parent is not None
        if per_parent:
            params[KEYS] = self.keys(keys or ())
        assert not (per_parent and with_total)

        def build() -> Select[Any]:
            predicate = _predicate(spec, filter_value)
            if per_parent:
                assert spec.parent is not None
                return nested_page(
                    spec,
                    page,
                    predicate,
                    self.in_keys(spec.parent),
                    filtered=bool(filter_value),
                    sqlite=self.sqlite,
                )
            columns: list[ColumnElement[Any]] = [
                *spec.node.columns,
                *(key.column.label(key.label) for key in page.keys),
                *(column.label(name) for name, column in spec.edge_columns.items()),
            ]
            limit = bindparam(LIMIT, type_=Integer)
            rows = select(*columns).select_from(spec.source).where(predicate)
            ranges = page.ranges() if self.sqlite else None
            if ranges is None:
                found = rows.where(*bounds).order_by(*page.order_by()).limit(limit)
            else:  # one seek per range, merged
                merged = page.merged(rows, ranges, limit, None)
                in_merged = read_off(page.keys, merged)
                order = [key.order_by(page.backward) for key in in_merged]
                found = select(merged).order_by(*order).limit(limit)
            if with_total:
                # Never correlated: the count is of the whole list, not of the row.
                count = self._count(spec, predicate).correlate(None)
                found = found.add_columns(count.scalar_subquery().label(TOTAL))
            return found

        shape = ("page", per_parent, with_total, page.shape)
        return self._cached(shape, build, filter_value), params

    def counts_with_page(self, filter_value: Any) -> bool:
        """Whether a root page may read its list's count (``page(with_total=True)``)."""
        return (
            not (self.sqlite and filter_value) or filter_size(filter_value[1]) <= _COUNTED_WITH_PAGE
        )

    def total(self, spec: ListSpec, filter_value: Any) -> tuple[Select[Any], dict[str, Any]]:
        """The count of a whole list, as ``total``, and the values it binds."""

        def build() -> Select[Any]:
            return self._count(spec, _predicate(spec, filter_value))

        return self._cached(("total", spec.name), build, filter_value), _values(filter_value)

    def counts(self, spec: ListSpec, filter_value: Any) -> tuple[Select[Any], dict[str, Any]]:
        """Each parent's count (``parent``, ``total``) of the parents bound as the keys."""
        parent = spec.parent
        assert parent is not None

        def build() -> Select[Any]:
            return (
                select(parent.label("parent"), func.count().label(TOTAL))
                .select_from(spec.source)
                .where(_predicate(spec, filter_value), self.in_keys(parent))
                .group_by(parent)
            )

        return self._cached(("counts", spec.name), build, filter_value), _values(filter_value)

    def by_id(self, spec: NodeSpec) -> Select[Any]:
        return self._cached(
            ("nodes", spec.type_name),
            lambda: select(*spec.columns).where(self.in_keys(spec.table.c.id)),
        )

    def to_one(self, relation: ToOne) -> Select[Any]:
        """The related nodes, each with the key it is matched on as ``link_key``."""
        return self._cached(
            ("to_one", id(relation)),
            lambda: select(*relation.node.columns, relation.key.label("link_key")).where(
                self.in_keys(relation.key)
            ),
        )

    def membership(self, relation: Membership) -> Select[Any]:
        """The parents linked to the node bound as ``other``."""
        return self._cached(
            ("membership", id(relation)),
            lambda: select(relation.parent).where(
                relation.other == bindparam("other"), self.in_keys(relation.parent)
            ),
        )

    def in_keys(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """``column IN (the keys)``, the keys bound as one parameter, however many."""
        if self.sqlite:
            items = func.json_each(bindparam(KEYS, type_=String)).table_valued("value")
            return column.in_(select(items.c.value))
        return column == any_(bindparam(KEYS, type_=ARRAY(Integer)))

    def keys(self, keys: Iterable[int]) -> Any:
        """The value of the keys parameter of ``in_keys``."""
        values = sorted(keys)
        return json.dumps(values) if self.sqlite else values

    @staticmethod
    def _count(spec: ListSpec, predicate: ColumnElement[bool]) -> Select[Any]:
        return select(func.count().label(TOTAL)).select_from(spec.source).where(predicate)

    def _cached(
        self, shape: tuple[Any, ...], build: Callable[[], Select[Any]], filter_value: Any = None
    ) -> Select[Any]:
        if not filter_value:
            key = (self.sqlite, *shape)
            statement = _STATEMENTS.get(key)
            if statement is None:
                statement = _STATEMENTS[key] = build()
            return statement
        key = (self.sqlite, *shape, _filter_key(filter_value))
        statement = _FILTERED.get(key)
        if statement is None:
            statement = _FILTERED[key] = build()
            if len(_FILTERED) > FILTERED_SHAPES:
                _FILTERED.popitem(last=False)
        else:
            _FILTERED.move_to_end(key)
        return statement


def _predicate(spec: ListSpec, filter_value: Any) -> ColumnElement[bool]:
    if not filter_value:
        return true()
    filter_class, value = filter_value
    return compile_filter(filter_class, spec.node.model, value)


def _filter_key(filter_value: Any) -> Hashable:
    filter_class, value = filter_value
    return filter_class, filter_shape(value)


def _values(filter_value: Any) -> dict[str, Any]:
    return filter_values(filter_value[1]) if filter_value else {}
