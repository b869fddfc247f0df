"""A field's arguments read per request, their literal parts coerced once.

graphql-core coerces an argument's literal afresh on every request, walking
the whole input object (a list's ``filter``) to reach the one variable inside
it. A prepared document's literals do not change, so here every part without
a variable is coerced once, when the document is planned, and a request only
fills in its variables: ``reader(field, node)(variables)`` is what
``get_argument_values(field, node, variables)`` returns, step for step (a
missing variable takes the default, null where the type allows none is
refused), and a literal it cannot coerce raises ``GraphQLError`` as it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    ListValueNode,
    ObjectValueNode,
    Undefined,
    ValueNode,
    VariableNode,
    coerce_input_literal,
    is_required_argument,
    is_required_input_field,
)
from graphql.execution.values import VariableValues, coerce_argument
from graphql.utilities.coerce_input_value import coerce_default_value

from schema.engine.selection import has_variables

__all__ = ["ArgumentReader", "reader"]

ArgumentReader = Callable[[VariableValues], dict[str, Any]]
# A literal's value for the request's coerced variables; Undefined where it is invalid.
_Value = Callable[[dict[str, Any]], Any]


def reader(field: GraphQLField, node: FieldNode) -> ArgumentReader:
    """The field's arguments for a request's variables, as ``get_argument_values`` gives them."""
    given = {argument.name.value: argument for argument in node.arguments or ()}
    constant: dict[str, Any] = {}  # what no variable changes, coerced now
    defaults: dict[str, Any] = {}  # what an argument given as a missing variable takes
    readers: list[tuple[str, _Value]] = []
    for name, definition in field.args.items():
        argument = given.get(name)
        out_name = definition.out_name or name
        if argument is None or not has_variables(argument.value):
            coerce_argument(constant, node, name, definition, argument, None, None)
            continue
        default = coerce_default_value(definition)
        if default is not Undefined:
            defaults[out_name] = default
        readers.append((out_name, _argument(definition, argument.value)))

    def read(variables: VariableValues) -> dict[str, Any]:
        values = dict(constant)
        coerced = variables.coerced
        for out_name, value in readers:
            found = value(coerced)
            if found is Undefined:
                raise GraphQLError(f"Argument '{out_name}' has an invalid value.")
            if found is _DEFAULT:
                if out_name in defaults:
                    values[out_name] = defaults[out_name]
                continue
            values[out_name] = found
        return values

    return read


# A missing variable where the argument is not required: its default stands.
_DEFAULT = object()


def _argument(definition: GraphQLArgument, value_node: ValueNode) -> _Value:
    if isinstance(value_node, VariableNode):
        name = value_node.name.value
        required = is_required_argument(definition)
        literal = _literal(value_node, definition.type)

        def variable(coerced: dict[str, Any]) -> Any:
            if name not in coerced and not required:
                return _DEFAULT
            return literal(coerced)

        return variable
    return _literal(value_node, definition.type)


def _literal(node: ValueNode, type_: GraphQLInputType) -> _Value:
    """``coerce_input_literal(node, type_, variables)`` with what is constant coerced now."""
    if isinstance(node, VariableNode):
        name, non_null = node.name.value, isinstance(type_, GraphQLNonNull)

        def variable(coerced: dict[str, Any]) -> Any:
            value = coerced.get(name, Undefined)
            if non_null and (value is None or value is Undefined):
                return Undefined
            return value

        return variable
    if not has_variables(node):
        constant = coerce_input_literal(node, type_)
        return lambda coerced: constant
    if isinstance(type_, GraphQLNonNull):
        return _literal(node, type_.of_type)
    if isinstance(type_, GraphQLList):
        return _list(node, type_.of_type)
    if (
        isinstance(type_, GraphQLInputObjectType)
        and not type_.is_one_of
        and isinstance(node, ObjectValueNode)
    ):
        return _object(node, type_)
    return _generic(node, type_)


def _list(node: ValueNode, item_type: GraphQLInputType) -> _Value:
    if not isinstance(node, ListValueNode):
        one = _literal(node, item_type)

        def single(coerced: dict[str, Any]) -> Any:
            value = one(coerced)
            return Undefined if value is Undefined else [value]

        return single
    nullable = not isinstance(item_type, GraphQLNonNull)
    items = [
        (_literal(item, item_type), nullable and isinstance(item, VariableNode))
        for item in node.values
    ]

    def many(coerced: dict[str, Any]) -> Any:
        values = []
        for item, null_if_missing in items:
            value = item(coerced)
            if value is Undefined:
                if not null_if_missing:
                    return Undefined
                value = None  # a missing variable within a list is null
            values.append(value)
        return values

    return many


def _object(node: ObjectValueNode, type_: GraphQLInputObjectType) -> _Value:
    given = {field.name.value: field.value for field in node.fields}
    if any(name not in type_.fields for name in given):
        return lambda coerced: Undefined
    fields: list[tuple[str, _Value | None, Any, bool, str | None]] = []
    for name, definition in type_.fields.items():
        out_name = definition.out_name or name
        required = is_required_input_field(definition)
        default = coerce_default_value(definition)
        value_node = given.get(name)
        variable = value_node.name.value if isinstance(value_node, VariableNode) else None
        literal = None if value_node is None else _literal(value_node, definition.type)
        fields.append((out_name, literal, default, required, variable))

    def coerce(coerced: dict[str, Any]) -> Any:
        values: dict[str, Any] = {}
        for out_name, literal, default, required, variable in fields:
            if literal is None or (variable is not None and variable not in coerced):
                if required:
                    return Undefined
                if default is not Undefined:
                    values[out_name] = default
                continue
            value = literal(coerced)
            if value is Undefined:
                return Undefined
            values[out_name] = value
        return type_.out_type(values)

    return coerce


def _generic(node: ValueNode, type_: GraphQLInputType) -> _Value:
    """graphql-core's own coercion, per request (a leaf written as a list or an object)."""

    def coerce(coerced: dict[str, Any]) -> Any:
        return coerce_input_literal(node, type_, VariableValues(sources={}, coerced=coerced))

    return coerce
