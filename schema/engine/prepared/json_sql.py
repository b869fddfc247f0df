"""JSON written by the database: the same bytes the reference executor's ``orjson`` writes.

A value of the answer is a SQL expression of one of four kinds: JSON text
already (an object, a list, a literal), a string to quote, a whole number or
a truth value. Objects are concatenated as text on both back ends
(``{"k":`` … ``}``), lists joined with commas, nested values embedded as the
text they are; each back end quotes and joins its own way:

- SQLite quotes strings with ``json_quote``, joins a list with
  ``group_concat`` in the order of the sub-select it reads. Its
  ``json_object``/``json_group_array`` would write the same, but a nested
  value coming out of a sub-select must be wrapped in ``json()`` to be
  embedded, which parses it again at every level of the answer. Global IDs
  and cursors (base64) come from functions of ours (``sqlite_functions``),
  as SQLite has no base64.
- PostgreSQL quotes strings with ``to_json`` and orders a list within its
  ``string_agg`` (its ``json_build_object`` writes ``{"a" : 1}``, with
  spaces, and ``jsonb`` reorders keys).

Both escape as orjson does (``\\"``, ``\\\\``, ``\\b\\f\\n\\r\\t``, other
control characters as lower-case ``\\u00xx``) and keep non-ASCII characters
as they are.
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
    """One value of the answer: its SQL and how it becomes JSON."""

    expr: ColumnElement[Any]
    kind: Kind
    nullable: bool = False


def sql_text(value: str) -> ColumnElement[str]:
    """A string constant written into the statement (names of the schema, never input)."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


class JsonSql:
    """What both back ends share; each subclass quotes and joins its own way."""

    def constant(self, value: str) -> Value:
        """A string the schema fixes (``__typename``)."""
        return Value(sql_text(orjson.dumps(value).decode()), "json")

    def null(self) -> Value:
        return Value(null(), "json", nullable=True)

    def truth(self, condition: ColumnElement[bool]) -> Value:
        return Value(condition, "bool")

    def obj(self, pairs: list[tuple[str, Value]]) -> Value:
        parts: list[ColumnElement[Any]] = []
        for i, (key, value) in enumerate(pairs):
            parts += [sql_text(("{" if i == 0 else ",") + orjson.dumps(key).decode() + ":")]
            parts.append(self._text(value))
        parts.append(sql_text("}" if pairs else "{}"))
        return Value(_concat(*parts), "json")

    def array(self, item: Value, order: list[Any]) -> Value:
        """The JSON list of ``item`` over the rows read, in ``order``."""
        items = func.coalesce(self._joined(self._text(item), order), sql_text(""))
        return Value(_concat(sql_text("["), items, sql_text("]")), "json")

    def _joined(self, items: ColumnElement[Any], order: list[Any]) -> ColumnElement[Any]:
        """``items`` over the rows read, in ``order``, joined by commas (NULL for none)."""
        raise NotImplementedError

    def _quote(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """A string as a JSON string (NULL stays NULL)."""
        raise NotImplementedError

    def _text(self, value: Value) -> ColumnElement[Any]:
        """The value as JSON text."""
        if value.kind == "json":
            written = value.expr
        elif value.kind == "text":
            written = self._quote(value.expr)
        elif value.kind == "int":
            written = cast(value.expr, Text)
        else:
            written = case((value.expr, sql_text("true")), else_=sql_text("false"))
        return func.coalesce(written, sql_text("null")) if value.nullable else written

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
        return Value(case((func.count() > literal_column("0"), cursor.expr)), cursor.kind, True)

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
    # SQLite before 3.44 has no ORDER BY inside an aggregate: the rows come
    # ordered from the sub-select the aggregate reads (see ``build``).
    def _joined(self, items: ColumnElement[Any], order: list[Any]) -> ColumnElement[Any]:
        return func.group_concat(items, sql_text(","))

    def _quote(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.json_quote(text)

    def _pick(self, value: ColumnElement[Any], order: list[Any], *, last: bool) -> Any:
        items = func.json_group_array(value)
        return func.json_extract(items, sql_text("$[#-1]" if last else "$[0]"))

    # base64 needs no escapes: quoted as it is.
    def global_id(self, type_name: str, pk: ColumnElement[int]) -> Value:
        encoded = func.campus_gid(sql_text(type_name), pk)
        return Value(_concat(sql_text('"'), encoded, sql_text('"')), "json")

    def time(self, column: ColumnElement[Any], *, nullable: bool) -> Value:
        return Value(_sqlite_iso(column, "Z"), "text", nullable)

    def cursor(self, head: str, values: list[tuple[ColumnElement[Any], bool]]) -> Value:
        arguments = [
            _sqlite_iso(value, "+00:00") if is_time else value for value, is_time in values
        ]
        encoded = func.campus_cursor(sql_text(head), *arguments)
        return Value(_concat(sql_text('"'), encoded, sql_text('"')), "json")


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
    def _joined(self, items: ColumnElement[Any], order: list[Any]) -> ColumnElement[Any]:
        return func.string_agg(items, aggregate_order_by(sql_text(","), *order))

    def _quote(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(func.to_json(text), Text)

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
