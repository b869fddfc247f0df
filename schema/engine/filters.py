"""Filter inputs and their compilation to SQL.

Filters arrive as the executor's coerced argument values (dicts keyed by the
GraphQL names) and compile to one SQL predicate; relationship filters become
correlated ``EXISTS`` sub-queries. Every predicate is two-valued (never SQL
NULL), so ``not`` is the exact complement of its filter.

A predicate holds no values: each value is a parameter named by its place in
the filter (``filter_name_contains``), so that every filter of one shape
(``filter_shape``) compiles to the same SQL, which is built once and bound
with that filter's values (``filter_values``) each time.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any

from sqlalchemy import and_, false, inspect, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.lazy_type import LazyType
from strawberry.utils.str_converters import to_camel_case

from schema.engine.mapper import link_of
from schema.engine.scalar_filters import (
    UNSET,
    Compiler,
    DateTimeFilter,
    IntFilter,
    Predicate,
    StringFilter,
    datetime_compiler,
    has_nul,
    int_compiler,
    string_compiler,
    without_nul,
)
from schema.engine.sql_functions import Among

__all__ = [
    "UNSET",
    "DateTimeFilter",
    "IntFilter",
    "StringFilter",
    "compile_filter",
    "filter_shape",
    "filter_size",
    "filter_values",
]

# By filter input and model: what each field of the input compiles to.
_COMPILERS: dict[tuple[type[Any], Any], dict[str, Compiler]] = {}
_PREFIX = "filter"


# The key of a to-many relationship's ORM ``info`` naming the parent's column
# that holds the relationship's size (``server.db.models.counted_by``).
_COUNTER = "counter"


def _to_many(relationship: InstrumentedAttribute[Any], inner: type[Any], model: Any) -> Compiler:
    """``some``/``none``/``count`` of a to-many relationship of ``model``.

    ``some``/``none`` ask whether the parent's key is among the keys of the
    parents whose members match: a sub-select over the link (association
    table, association object, or the members' own table) and the members,
    aliased so that it never mistakes its tables for the outer query's (a
    user's followers are users too). ``count`` reads the parent's counter.
    """
    link = link_of(relationship, alias=False)
    members = aliased(link.model)
    parent_key = getattr(model, inspect(model).mapper.primary_key[0].key)
    linked: Predicate = true()
    if link.table is link.model.__table__:  # one-to-many: the members hold the parent's key
        source: Any = members
        key = getattr(members, link.parent.name)
        linked = key.is_not(None)  # NOT IN over a NULL would match nothing
    else:
        table = link.table.alias()
        source = table.join(members, table.c[link.member.name] == members.id)
        key = table.c[link.parent.name]
    counter = relationship.property.info.get(_COUNTER)
    count = int_compiler(getattr(model, counter)) if counter else None

    def matching(spec: Mapping[str, Any], place: str) -> Predicate:
        matches = _compile(inner, members, spec, place)
        return Among(parent_key, select(key).select_from(source).where(linked, matches))

    def compile_(spec: Mapping[str, Any], place: str) -> Predicate:
        clauses: list[Predicate] = []
        if (some := spec.get("some")) is not None:
            clauses.append(matching(some, f"{place}_some"))
        if (none := spec.get("none")) is not None:
            clauses.append(not_(matching(none, f"{place}_none")))
        if (sizes := spec.get("count")) is not None:
            assert count is not None, f"{relationship} has no counter"
            clauses.append(count(sizes, f"{place}_count"))
        return and_(true(), *clauses)

    return compile_


def _has(relationship: InstrumentedAttribute[Any], inner: type[Any]) -> Compiler:
    """A to-one that exists and matches; its table aliased, as a to-many's members are."""
    reached = aliased(relationship.property.mapper.class_)
    through = relationship.of_type(reached)
    return lambda spec, place: through.has(_compile(inner, reached, spec, place))


def _present(model: Any, relationship: InstrumentedAttribute[Any]) -> Compiler:
    [column] = relationship.property.local_columns
    local = getattr(model, column.key)
    return lambda value, _place: local.is_not(None) if value else local.is_(None)


def _input_type(annotation: Any) -> Any:
    while isinstance(annotation, StrawberryOptional | StrawberryList):
        annotation = annotation.of_type
    return annotation.resolve_type() if isinstance(annotation, LazyType) else annotation


def _compiler(model: Any, name: str, kind: Any) -> Compiler:
    """What a filter field compiles to, by its type: a column's, or a relationship's.

    ``model`` is a mapped class or an alias of one.
    """
    if kind is StringFilter:
        nullable = inspect(model).mapper.local_table.c[name].nullable
        return string_compiler(getattr(model, name), nullable=bool(nullable))
    if kind is DateTimeFilter:
        return datetime_compiler(getattr(model, name))
    if kind is bool and name.startswith("has_"):  # has_<to-one>: whether it is set
        return _present(model, getattr(model, name.removeprefix("has_")))
    relationship = getattr(model, name)
    inner = {f.python_name: f for f in kind.__strawberry_definition__.fields}
    if "some" in inner:  # a to-many: some or none of its nodes match, or its size
        return _to_many(relationship, _input_type(inner["some"].type), model)
    return _has(relationship, kind)


def _compilers(filter_class: type[Any], model: Any) -> dict[str, Compiler]:
    """A filter input's fields (by GraphQL name) and what each compiles to on ``model``."""
    compilers = _COMPILERS.get((filter_class, model))
    if compilers is not None:
        return compilers
    compilers = _COMPILERS[filter_class, model] = {}
    for field in filter_class.__strawberry_definition__.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        if name not in ("and", "or", "not"):
            compilers[name] = _compiler(model, field.python_name, _input_type(field.type))
    return compilers


def compile_filter(
    filter_class: type[Any], model: type[Any], spec: Mapping[str, Any], place: str = _PREFIX
) -> Predicate:
    """One SQL predicate for a filter value on ``model``; keys are ANDed, nulls ignored.

    It depends on the filter's shape only: bind it with ``filter_values(spec,
    place)``, ``place`` naming its parameters (two filters of one statement
    need two places).
    """
    return _compile(filter_class, model, spec, place)


def _compile(
    filter_class: type[Any], model: type[Any], spec: Mapping[str, Any], place: str
) -> Predicate:
    fields = _compilers(filter_class, model)
    clauses: list[Predicate] = []
    for key, value in spec.items():
        if value is None:
            continue
        if key == "and":
            items = (
                _compile(filter_class, model, item, f"{place}_and{i}")
                for i, item in enumerate(value)
            )
            clauses.append(and_(true(), *items))
        elif key == "or":
            items = (
                _compile(filter_class, model, item, f"{place}_or{i}")
                for i, item in enumerate(value)
            )
            clauses.append(or_(false(), *items))
        elif key == "not":
            clauses.append(not_(_compile(filter_class, model, value, f"{place}_not")))
        else:
            clauses.append(fields[key](value, f"{place}_{key}"))
    return and_(true(), *clauses)


def filter_shape(spec: Any) -> Hashable:
    """What the SQL of a filter depends on: its keys, lists' lengths, booleans, not values.

    An ``in`` list without a storable item compiles to FALSE, so whether it
    has one is part of the shape; how many it has is not (one expanding
    parameter holds them). A text holding a NUL compiles to a constant, so
    whether a text does is part of the shape too.
    """
    if isinstance(spec, Mapping):
        return tuple((key, filter_shape(value)) for key, value in spec.items() if value is not None)
    if isinstance(spec, list):
        if any(isinstance(item, Mapping) for item in spec):
            return tuple(filter_shape(item) for item in spec)
        return bool(without_nul(spec))
    if isinstance(spec, bool):
        return spec
    return has_nul(spec)


def filter_size(spec: Any) -> int:
    """How many keys the filter sets, at every level: at least its SQL terms."""
    if isinstance(spec, Mapping):
        return sum(1 + filter_size(value) for value in spec.values() if value is not None)
    if isinstance(spec, list):
        return sum(filter_size(item) for item in spec)
    return 0


def filter_values(spec: Mapping[str, Any], place: str = _PREFIX) -> dict[str, Any]:
    """The parameters ``compile_filter`` names for this filter, with their values."""
    return dict(_values(spec, place))


def _values(spec: Any, place: str) -> Iterator[tuple[str, Any]]:
    if isinstance(spec, Mapping):
        for key, value in spec.items():
            if value is not None:
                yield from _values(value, f"{place}_{key}")
    elif isinstance(spec, list) and any(isinstance(item, Mapping) for item in spec):
        for i, item in enumerate(spec):
            yield from _values(item, f"{place}{i}")
    elif isinstance(spec, list):
        yield place, without_nul(spec)
    elif not (isinstance(spec, bool) or has_nul(spec)):
        yield place, spec
