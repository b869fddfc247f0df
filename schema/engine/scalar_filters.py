"""The filters of one column: text, whole numbers and times, and what each compiles to.

Each compiler turns a filter value into one two-valued predicate whose values
are parameters named after the filter's place (``filter_name_contains``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, false, func, true
from sqlalchemy.orm import InstrumentedAttribute

from schema.engine.sql_functions import InList, IntList, TextList, fold, position

__all__ = [
    "UNSET",
    "Compiler",
    "DateTimeFilter",
    "IntFilter",
    "Predicate",
    "StringFilter",
    "datetime_compiler",
    "has_nul",
    "int_compiler",
    "string_compiler",
    "without_nul",
]

UNSET: Any = strawberry.UNSET


@strawberry.input
class StringFilter:
    eq: str | None = UNSET
    ne: str | None = UNSET
    in_: list[str] | None = strawberry.field(name="in", default=UNSET)
    contains: str | None = strawberry.field(
        default=UNSET, description="Case-insensitive substring match."
    )
    starts_with: str | None = UNSET
    is_null: bool | None = UNSET


@strawberry.input
class IntFilter:
    eq: int | None = UNSET
    ne: int | None = UNSET
    in_: list[int] | None = strawberry.field(name="in", default=UNSET)
    gt: int | None = UNSET
    gte: int | None = UNSET
    lt: int | None = UNSET
    lte: int | None = UNSET


@strawberry.input
class DateTimeFilter:
    eq: dt.datetime | None = UNSET
    gt: dt.datetime | None = UNSET
    gte: dt.datetime | None = UNSET
    lt: dt.datetime | None = UNSET
    lte: dt.datetime | None = UNSET


Predicate = ColumnElement[bool]
# A filter field's value and the name of its place, from which its parameters are named.
Compiler = Callable[[Any, str], Predicate]


def string_compiler(column: InstrumentedAttribute[Any], *, nullable: bool = False) -> Compiler:
    def guard(predicate: Predicate) -> Predicate:
        return and_(column.is_not(None), predicate) if nullable else predicate

    def compile_(spec: Mapping[str, Any], place: str) -> Predicate:
        # No stored text holds a NUL (PostgreSQL cannot store one, so none is
        # ever sent): a value with one matches nothing, and every row is distinct from it.
        if any(has_nul(spec.get(key)) for key in ("eq", "contains", "startsWith")):
            return false()
        clauses: list[Predicate] = []
        if spec.get("eq") is not None:
            clauses.append(guard(column == bindparam(f"{place}_eq")))
        if spec.get("ne") is not None and not has_nul(spec["ne"]):
            clauses.append(column.is_distinct_from(bindparam(f"{place}_ne")))
        if (value := spec.get("in")) is not None:
            if without_nul(value):
                values = bindparam(f"{place}_in", type_=TextList())
                clauses.append(guard(InList(column.expression, values)))
            else:
                clauses.append(false())
        if spec.get("contains") is not None:
            needle: BindParameter[str] = bindparam(f"{place}_contains")
            clauses.append(guard(position(fold(column), fold(needle)) > 0))
        if spec.get("startsWith") is not None:
            # substr, not LIKE: SQLite's LIKE ignores case and needs escaping.
            prefix: BindParameter[str] = bindparam(f"{place}_startsWith")
            clauses.append(guard(func.substr(column, 1, func.length(prefix)) == prefix))
        if (value := spec.get("isNull")) is not None:
            clauses.append(column.is_(None) if value else column.is_not(None))
        return and_(true(), *clauses)

    return compile_


def has_nul(value: Any) -> bool:
    return isinstance(value, str) and "\x00" in value


def without_nul(values: list[Any]) -> list[Any]:
    """The items of a list of values that a stored text could equal."""
    return [value for value in values if not has_nul(value)]


def datetime_compiler(column: InstrumentedAttribute[dt.datetime]) -> Compiler:
    operators: dict[str, Callable[[Any], Predicate]] = {
        "eq": column.__eq__,
        "gt": column.__gt__,
        "gte": column.__ge__,
        "lt": column.__lt__,
        "lte": column.__le__,
    }

    def compile_(spec: Mapping[str, Any], place: str) -> Predicate:
        return and_(
            true(),
            *(
                operators[op](bindparam(f"{place}_{op}"))
                for op, value in spec.items()
                if value is not None
            ),
        )

    return compile_


def int_compiler(column: InstrumentedAttribute[int]) -> Compiler:
    operators: dict[str, Callable[[Any], Predicate]] = {
        "eq": column.__eq__,
        "ne": column.__ne__,
        "gt": column.__gt__,
        "gte": column.__ge__,
        "lt": column.__lt__,
        "lte": column.__le__,
    }

    def compile_(spec: Mapping[str, Any], place: str) -> Predicate:
        clauses = [
            operators[op](bindparam(f"{place}_{op}"))
            for op, value in spec.items()
            if value is not None and op != "in"
        ]
        if spec.get("in") is not None:
            clauses.append(InList(column.expression, bindparam(f"{place}_in", type_=IntList())))
        return and_(true(), *clauses)

    return compile_
