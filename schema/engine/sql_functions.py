"""The SQL the filters compile to that SQLAlchemy has no portable form of.

Each construct renders per dialect: case folding and substring position
(SQLite's own ``lower()`` folds ASCII only, so it gets a function of ours),
and membership in a sub-select, which SQLite and PostgreSQL plan well in
different forms.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, any_, exists, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Integer, String, TypeDecorator, TypeEngine

__all__ = ["Among", "InList", "IntList", "TextList", "fold", "position"]


class fold(GenericFunction[str]):  # noqa: N801 - SQL function names are lower case
    """Unicode-aware lower-casing, the same on every back end."""

    type = String()
    inherit_cache = True


class position(GenericFunction[int]):  # noqa: N801
    """1-based position of the second string in the first, 0 when absent."""

    type = Integer()
    inherit_cache = True


def _rendered_as(function: type[GenericFunction[Any]], *, sqlite: str, elsewhere: str) -> None:
    """Render ``function`` as the SQL function named ``sqlite`` there, ``elsewhere`` otherwise."""

    @compiles(function, "sqlite")
    def _on_sqlite(element: GenericFunction[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return f"{sqlite}({compiler.process(element.clauses, **kw)})"

    @compiles(function)
    def _elsewhere(element: GenericFunction[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return f"{elsewhere}({compiler.process(element.clauses, **kw)})"


# campus_fold is registered on every SQLite connection (server.db.engine): lower() there
# folds ASCII only.
_rendered_as(fold, sqlite="campus_fold", elsewhere="lower")
_rendered_as(position, sqlite="instr", elsewhere="strpos")


class Among(ColumnElement[bool]):
    """Whether ``value`` is among what ``members`` (a one-column SELECT) returns.

    On SQLite this is ``value IN (members)``: SQLite runs a correlated EXISTS
    once per outer row and never turns it into a join, so a selective
    relationship filter (the students of one course) would read, and fold the
    name of, every student; IN reads the sub-query once and drives the outer
    table from its rows. Elsewhere it is EXISTS, which PostgreSQL plans as a
    semi- or anti-join by cost (NOT IN it cannot plan as an anti-join).
    """

    inherit_cache = True
    _traverse_internals: list[tuple[str, InternalTraversal]] = [  # noqa: RUF012 - SQLAlchemy's own form
        ("value", InternalTraversal.dp_clauseelement),
        ("members", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, value: ColumnElement[Any], members: Select[Any]) -> None:
        self.value = value
        self.members = members.correlate(None)

    @property
    def _from_objects(self) -> Any:
        return self.value._from_objects


@compiles(Among, "sqlite")
def _among_sqlite(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.value.in_(element.members), **kw)


@compiles(Among)
def _among_default(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    [member] = element.members.selected_columns
    correlated = element.members.where(member == element.value)
    return compiler.process(exists(correlated.correlate(*element._from_objects)), **kw)


class _Values(TypeDecorator[list[Any]]):
    """A list of values bound as one parameter: a JSON array on SQLite, an array elsewhere."""

    impl = String
    cache_ok = True
    item: TypeEngine[Any]

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(ARRAY(self.item))

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return json.dumps(value)


class TextList(_Values):
    cache_ok = True
    item = String()


class IntList(_Values):
    cache_ok = True
    item = Integer()


class InList(ColumnElement[bool]):
    """Whether ``value`` is one of the values bound to ``values`` (a ``TextList``, ``IntList``).

    One parameter however long the list, unlike an expanding ``IN``, so that
    the statement's text is the same for every list: SQLite reads it with
    ``json_each``, PostgreSQL with ``= ANY``.
    """

    inherit_cache = True
    _traverse_internals: list[tuple[str, InternalTraversal]] = [  # noqa: RUF012 - SQLAlchemy's own form
        ("value", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, value: ColumnElement[Any], values: BindParameter[list[Any]]) -> None:
        self.value = value
        self.values = values

    @property
    def _from_objects(self) -> Any:
        return self.value._from_objects


@compiles(InList, "sqlite")
def _in_list_sqlite(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    items = func.json_each(element.values).table_valued("value")
    return compiler.process(element.value.in_(select(items.c.value)), **kw)


@compiles(InList)
def _in_list_default(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.value == any_(element.values), **kw)
