"""A plan bound to one request: each part's arguments read, checked and turned into parameters.

Per request this is all the Python a prepared read does before its
statement runs: read each list's page arguments, decode its cursors and
filter, decode the IDs the document names. What the statement's SQL depends
on (an order, a cursor's direction, a filter's shape, the type an ID names)
is the binding's ``shape``; the values are parameters. Anything the
reference executor would answer with an error — a page size out of range, a
bad cursor, too many IDs — is ``Refused``: the reference way answers it, with
its own words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError
from graphql.execution.values import VariableValues

from schema.engine.filters import filter_shape, filter_size, filter_values
from schema.engine.ids import decode_id, decode_id_of
from schema.engine.pagination import Page, parse_page
from schema.engine.prepared.plan import ListPlan, MembershipPlan, Plan, RootById, RootRow

__all__ = ["Binding", "ListBinding", "Refused", "bind"]

# SQLite counts a sub-select among the result columns inside its outer
# statement's expression depth: a filter larger than this is left to the
# reference way, which counts it on its own (``schema.engine.statements``).
_LARGEST_FILTER_ON_SQLITE = 100


class Refused(Exception):  # noqa: N818 (a signal: the reference way answers)
    """The request is not one the plan answers as the reference executor would."""


@dataclass(frozen=True, slots=True)
class ListBinding:
    page: Page
    filter_value: Mapping[str, Any] | None
    cursor_head: str  # a cursor's JSON up to its values: '["Query.students","id:asc",['


@dataclass(slots=True)
class Binding:
    values: list[Any]  # per bound part: a ListBinding, a key, IDs, a request row, or None
    shape: tuple[Any, ...]
    params: dict[str, Any]


def bind(
    plan: Plan,
    variables: VariableValues,
    request_rows: Mapping[str, tuple[Any, ...] | None],
    *,
    default_size: int,
    max_size: int,
    sqlite: bool,
) -> Binding:
    """The plan's parts bound to the request's variables (and rows it names, the viewer)."""
    binding = Binding([], (), {})
    shape: list[Any] = []
    value: Any
    for index, part in enumerate(plan.bound):
        known = plan.static.get(index)
        if known is not None:  # arguments written in the document: bound once for all requests
            value, part_shape, params = known
            binding.params.update(params)
            binding.values.append(value)
            shape.append(part_shape)
            continue
        prefix = f"b{index}"
        try:
            args = part.args.read(variables)
        except GraphQLError:
            raise Refused from None
        before = set(binding.params)
        if isinstance(part, ListPlan):
            value, part_shape = _list(part, args, prefix, binding.params, default_size, max_size)
            if (
                sqlite
                and value.filter_value
                and (filter_size(value.filter_value) > _LARGEST_FILTER_ON_SQLITE)
            ):
                raise Refused
        elif isinstance(part, MembershipPlan):
            [argument] = args.values()
            value = decode_id_of(part.relation.other_type, argument)
            binding.params[f"{prefix}_other"] = value
            part_shape = value is None
        elif isinstance(part, RootById):
            value, part_shape = _by_id(part, args, prefix, binding.params, max_size, sqlite)
        else:
            assert isinstance(part, RootRow)
            value = request_rows.get(part.row.name)
            if value is not None:
                for name, column_value in zip(part.row.columns, value, strict=True):
                    binding.params[f"{prefix}_{name}"] = column_value
            part_shape = value is None
        if part.args.static and not isinstance(part, RootRow):
            params = {name: binding.params[name] for name in binding.params.keys() - before}
            plan.static[index] = (value, part_shape, params)
        binding.values.append(value)
        shape.append(part_shape)
    binding.shape = tuple(shape)
    return binding


def _list(
    part: ListPlan,
    args: dict[str, Any],
    prefix: str,
    params: dict[str, Any],
    default_size: int,
    max_size: int,
) -> tuple[ListBinding, Any]:
    spec = part.spec
    try:
        keys = spec.sort_keys(args.get("orderBy"))
        page = parse_page(spec.name, keys, args, default_size=default_size, max_size=max_size)
    except GraphQLError:
        raise Refused from None
    params.update(page.bound_values(f"{prefix}_"))
    filter_value = args.get("filter") or None
    if filter_value is not None:
        params.update(filter_values(filter_value, f"{prefix}_filter"))
    head = orjson.dumps([page.list_name, page.signature])[:-1].decode() + ",["
    # The page's size is written into the statement, not bound: PostgreSQL plans a
    # LIMIT it knows once for all requests, where a bound one is planned anew each time.
    shape = (page.shape, page.size, None if filter_value is None else filter_shape(filter_value))
    return ListBinding(page, filter_value, head), shape


def _by_id(
    part: RootById,
    args: dict[str, Any],
    prefix: str,
    params: dict[str, Any],
    max_size: int,
    sqlite: bool,
) -> tuple[Any, Any]:
    if not part.many:
        found = decode_id(args["id"])
        if found is None or found[0] not in part.by_type:
            return None, None
        params[f"{prefix}_pk"] = found[1]
        return found, found[0]
    ids = args["ids"]
    if len(ids) > max_size:
        raise Refused
    decoded = [decode_id(global_id) for global_id in ids]
    if sqlite:
        params[f"{prefix}_ids"] = json.dumps(decoded)
    else:
        params[f"{prefix}_types"] = [None if item is None else item[0] for item in decoded]
        params[f"{prefix}_pks"] = [None if item is None else item[1] for item in decoded]
    return decoded, "ids"
