"""The loader's statements: built once per shape, their values bound at execution.

Building a statement costs SQLAlchemy more than running a small one
(sub-query column collections, mostly). Shapes are bounded by the schema:
lists, orders, cursor directions. A filtered list's statement holds the
filter's values, so it is built every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, any_, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from schema.engine.filters import compile_filter
from schema.engine.nested import KEYS, LIMIT, nested_page
from schema.engine.pagination import Page
from schema.engine.relations import ListSpec, Membership, NodeSpec, ToOne

__all__ = ["KEYS", "Statements"]

# Statements by dialect and shape.
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}


class Statements:
    """The statements of one dialect. A filter is None, or its input class and its value."""

    def __init__(self, *, sqlite: bool) -> None:
        self.sqlite = sqlite

    def page(
        self, spec: ListSpec, page: Page, filter_value: Any, keys: list[Any] | None
    ) -> tuple[Select[Any], dict[str, Any]]:
        """The page (of every parent's page), and the values it binds."""
        bounds, params = page.bounds()
        params[LIMIT] = page.size + 1
        per_parent = keys is not None and spec.parent is not None
        if per_parent:
            params[KEYS] = self.keys(keys or ())

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
            return (
                select(*columns)
                .select_from(spec.source)
                .where(predicate, *bounds)
                .order_by(*page.order_by())
                .limit(bindparam(LIMIT, type_=Integer))
            )

        shape = ("page", per_parent, page.shape)
        return self._cached(shape, build, filtered=bool(filter_value)), params

    def total(self, spec: ListSpec, filter_value: Any) -> Select[Any]:
        """The count of a whole list, as ``total``."""

        def build() -> Select[Any]:
            return (
                select(func.count().label("total"))
                .select_from(spec.source)
                .where(_predicate(spec, filter_value))
            )

        return self._cached(("total", spec.name), build, filtered=bool(filter_value))

    def counts(self, spec: ListSpec, filter_value: Any) -> Select[Any]:
        """Each parent's count (``parent``, ``total``) of the parents bound as the keys."""
        parent = spec.parent
        assert parent is not None

        def build() -> Select[Any]:
            return (
                select(parent.label("parent"), func.count().label("total"))
                .select_from(spec.source)
                .where(_predicate(spec, filter_value), self.in_keys(parent))
                .group_by(parent)
            )

        return self._cached(("counts", spec.name), build, filtered=bool(filter_value))

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

    def _cached(
        self, shape: tuple[Any, ...], build: Callable[[], Select[Any]], *, filtered: bool = False
    ) -> Select[Any]:
        if filtered:
            return build()
        key = (self.sqlite, *shape)
        statement = _STATEMENTS.get(key)
        if statement is None:
            statement = _STATEMENTS[key] = build()
        return statement


def _predicate(spec: ListSpec, filter_value: Any) -> ColumnElement[bool]:
    if not filter_value:
        return true()
    filter_class, value = filter_value
    return compile_filter(filter_class, spec.node.model, value)
