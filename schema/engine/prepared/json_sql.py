"""JSON written by the database: the same bytes the reference executor's ``orjson`` writes.

A value of the answer is a SQL expression of one of four kinds: JSON text
already (an object, a list, a literal), a string to quote, a whole number or
a truth value. Each back end turns them into JSON its own way:

- SQLite builds objects with ``json_object`` and lists with
  ``json_group_array``, whose output is compact; a nested value is wrapped in
  ``json()`` so that it is embedded, not quoted again. Global IDs and cursors
  (base64) come from functions of ours (``sqlite_functions``), as SQLite has
  no base64.
- PostgreSQL's ``json_build_object`` writes ``{"a" : 1}``, with spaces, and
  ``jsonb`` reorders keys: objects are concatenated as text instead, strings
  quoted by ``to_json``, whose escapes are orjson's (``\\"``, ``\\\\``,
  ``\\b\\f\\n\\r\\t``, other control characters as lower-case ``\\u00xx``).

Both keep non-ASCII characters as they are, as orjson does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    Text,
    case,
    cast,
    func,
    literal_column,
    null,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ClauseList, Grouping

__all__ = ["JsonSql", "Value", "json_sql"]

Kind = Literal["json", "text", "int", "bool"]
# How a column of a row is written: as one of the kinds, or as a ``DateTime``.
ColumnKind = Literal["text", "int", "bool", "time"]


@dataclass(frozen=True, slots=True)
class Value:
    """One value of the answer: its SQL and how it becomes JSON.

    ``fresh`` JSON comes straight from a JSON function, which SQLite marks as
    JSON; any other JSON text (a sub-select's) SQLite must be told is JSON.
    """

    expr: ColumnElement[Any]
    kind: Kind
    nullable: bool = False
    fresh: bool = False


def sql_text(value: str) -> ColumnElement[str]:
    """A string constant written into the statement (names of the schema, never input)."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


class JsonSql:
    """What both back ends share; each subclass writes JSON its own way."""

    def constant(self, value: str) -> Value:
        """A string the schema fixes (``__typename``)."""
        raise NotImplementedError

    def null(self) -> Value:
        return Value(null(), "json", nullable=True)

    def truth(self, condition: ColumnElement[bool]) -> Value:
        return Value(condition, "bool")

    def obj(self, pairs: list[tuple[str, Value]]) -> Value:
        raise NotImplementedError

    def array(self, item: Value, order: list[Any]) -> Value:
        """The JSON list of ``item`` over the rows read, in ``order``."""
        raise NotImplementedError

    def end(
        self,
        head: str,
        keys: list[tuple[ColumnElement[Any], bool]],
        order: list[Any],
        *,
        last: bool,
    ) -> Value:
        """The cursor of the first row read in ``order``, or null when none is.

        ``keys`` are the cursor's (value, is a time) as ``cursor`` takes them;
        each is picked off that row and the cursor written once, not once a row.
        ``last`` says it is the last row of the list (``order`` then runs the
        other way, for back ends that order within the aggregate).
        """
        picked = [(self._pick(value, order, last=last), is_time) for value, is_time in keys]
        cursor = self.cursor(head, picked)
        return Value(case((func.count() > 0, cursor.expr)), cursor.kind, nullable=True)

    def _pick(self, value: ColumnElement[Any], order: list[Any], *, last: bool) -> Any:
        """``value`` in the first row read in ``order``."""
        raise NotImplementedError

    def global_id(self, type_name: str, pk: ColumnElement[int]) -> Value:
        raise NotImplementedError

    def time(self, column: ColumnElement[Any], *, nullable: bool) -> Value:
        """A timestamp as the ``DateTime`` scalar writes it: UTC, ``…Z``."""
        raise NotImplementedError

    def cursor(self, head: str, values: list[tuple[ColumnElement[Any], bool]]) -> Value:
        """base64url of ``head`` then each (value, is a time) as JSON, then ``]]``."""
        raise NotImplementedError


class _SQLite(JsonSql):
    def constant(self, value: str) -> Value:
        return Value(sql_text(value), "text")

    def obj(self, pairs: list[tuple[str, Value]]) -> Value:
        arguments: list[Any] = []
        for key, value in pairs:
            arguments += [sql_text(key), self._argument(value)]
        return Value(func.json_object(*arguments), "json", fresh=True)

    # SQLite before 3.44 has no ORDER BY inside an aggregate: the rows come
    # ordered from the sub-select the aggregate reads (see ``build``).
    def array(self, item: Value, order: list[Any]) -> Value:
        return Value(func.json_group_array(self._argument(item)), "json", fresh=True)

    def _pick(self, value: ColumnElement[Any], order: list[Any], *, last: bool) -> Any:
        items = func.json_group_array(value)
        return func.json_extract(items, sql_text("$[#-1]" if last else "$[0]"))

    def global_id(self, type_name: str, pk: ColumnElement[int]) -> Value:
        return Value(func.campus_gid(sql_text(type_name), pk), "text")

    def time(self, column: ColumnElement[Any], *, nullable: bool) -> Value:
        return Value(_sqlite_iso(column, "Z"), "text", nullable)

    def cursor(self, head: str, values: list[tuple[ColumnElement[Any], bool]]) -> Value:
        arguments = [
            _sqlite_iso(value, "+00:00") if is_time else value for value, is_time in values
        ]
        return Value(func.campus_cursor(sql_text(head), *arguments), "text")

    @staticmethod
    def _argument(value: Value) -> ColumnElement[Any]:
        if value.kind == "json":
            return value.expr if value.fresh else func.json(value.expr)
        if value.kind == "bool":
            return func.json(case((value.expr, sql_text("true")), else_=sql_text("false")))
        return value.expr


def _sqlite_iso(column: ColumnElement[Any], zone: str) -> ColumnElement[str]:
    """SQLite's stored ``YYYY-MM-DD HH:MM:SS.ffffff`` as ``isoformat`` writes it.

    (``isoformat`` leaves out a fraction of zero.)
    """
    fraction = func.substr(column, 21, 6)
    return type_coerce(
        _concat(
            func.substr(column, 1, 10),
            sql_text("T"),
            func.substr(column, 12, 8),
            case(
                (func.coalesce(fraction, "") == sql_text("000000"), sql_text("")),
                (func.length(column) < 21, sql_text("")),
                else_=sql_text(".") + fraction,
            ),
            sql_text(zone),
        ),
        Text,
    )


class _PostgreSQL(JsonSql):
    def constant(self, value: str) -> Value:
        return Value(sql_text(orjson.dumps(value).decode()), "json")

    def obj(self, pairs: list[tuple[str, Value]]) -> Value:
        parts: list[ColumnElement[Any]] = []
        for i, (key, value) in enumerate(pairs):
            parts += [sql_text(("{" if i == 0 else ",") + orjson.dumps(key).decode() + ":")]
            parts.append(self._text(value))
        parts.append(sql_text("}" if pairs else "{}"))
        return Value(_concat(*parts), "json")

    def array(self, item: Value, order: list[Any]) -> Value:
        joined = func.string_agg(self._text(item), aggregate_order_by(sql_text(","), *order))
        items = func.coalesce(joined, sql_text(""))
        return Value(_concat(sql_text("["), items, sql_text("]")), "json")

    def _pick(self, value: ColumnElement[Any], order: list[Any], *, last: bool) -> Any:
        gathered = func.array_agg(aggregate_order_by(value, *order), type_=ARRAY(value.type))
        return gathered[literal_column("1")]

    def global_id(self, type_name: str, pk: ColumnElement[int]) -> Value:
        raw = _concat(sql_text(type_name + ":"), cast(pk, Text))
        encoded = func.encode(func.convert_to(raw, sql_text("UTF8")), sql_text("base64"))
        # base64 needs no escapes: quoted as it is.
        return Value(_concat(sql_text('"'), encoded, sql_text('"')), "json")

    def time(self, column: ColumnElement[Any], *, nullable: bool) -> Value:
        return Value(_pg_iso(column, "Z"), "text", nullable)

    def cursor(self, head: str, values: list[tuple[ColumnElement[Any], bool]]) -> Value:
        parts: list[ColumnElement[Any]] = [sql_text(head)]
        for i, (value, is_time) in enumerate(values):
            if i:
                parts.append(sql_text(","))
            written = _pg_iso(value, "+00:00") if is_time else value
            parts.append(func.coalesce(cast(func.to_json(written), Text), sql_text("null")))
        parts.append(sql_text("]]"))
        encoded = func.encode(
            func.convert_to(_concat(*parts), sql_text("UTF8")), sql_text("base64")
        )
        url_safe = func.translate(encoded, literal_column("E'+/\\n'", Text), sql_text("-_"))
        return Value(
            _concat(sql_text('"'), func.rtrim(url_safe, sql_text("=")), sql_text('"')), "json"
        )

    @staticmethod
    def _text(value: Value) -> ColumnElement[Any]:
        """The value as JSON text."""
        if value.kind == "json":
            written = value.expr
        elif value.kind == "text":
            written = cast(func.to_json(value.expr), Text)
        elif value.kind == "int":
            written = cast(value.expr, Text)
        else:
            written = case((value.expr, sql_text("true")), else_=sql_text("false"))
        return func.coalesce(written, sql_text("null")) if value.nullable else written


def _pg_iso(column: ColumnElement[Any], zone: str) -> ColumnElement[str]:
    utc = func.timezone(sql_text("UTC"), column)
    fraction = func.to_char(utc, sql_text("US"))
    return _concat(
        func.to_char(utc, sql_text('YYYY-MM-DD"T"HH24:MI:SS')),
        case((fraction == sql_text("000000"), sql_text("")), else_=sql_text(".") + fraction),
        sql_text(zone),
    )


def _concat(*parts: ColumnElement[Any]) -> ColumnElement[str]:
    """``a || b || …`` without nesting (a deep binary tree would exhaust the compiler's stack)."""
    return type_coerce(Grouping(ClauseList(*parts, operator=operators.concat_op)), Text)


_BY_BACK_END: dict[bool, JsonSql] = {True: _SQLite(), False: _PostgreSQL()}


def json_sql(*, sqlite: bool) -> JsonSql:
    return _BY_BACK_END[sqlite]
