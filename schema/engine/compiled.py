"""The compiled execution path: a cached document's plan builds the response from the rows.

After a root field's resolver has run the loader, everything below it is
plain attributes and relationship fields the loader filled. For a document
the parser cache keeps, the plan of each root field is worked out once (as
graphql-jit compiles a document into a function): which fields are
attributes, which are loaded relationships, how each scalar serializes, which
object type each Python class is. The response is then built straight from
the objects, without graphql-core's per-field machinery.

The plan covers only the ordinary case. Anything else — a null for a
non-null field, a value a scalar refuses, an object of an unexpected class, a
field the loader did not reach, a field with a resolver of its own — raises
``Unusual`` and the root field is answered the long way, which reports it
exactly as graphql-core always has. Building is free of side effects, so
starting again is safe.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationDefinitionNode,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, collect_subfields
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry.types.field import StrawberryField

import schema.engine.node as node
from schema.engine.caching import CACHE_SIZE, MAX_CACHED_QUERY_LENGTH
from schema.engine.relations import is_related
from schema.engine.selection import switch_variables

__all__ = ["Unusual", "root_plan"]

DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
Build = Callable[[Any], Any]
# Set by the executor around a build: called before each list, it raises to stop
# an answer whose request is past its time budget (building never awaits).
list_check: ContextVar[Callable[[], None]] = ContextVar("list_check", default=lambda: None)
# Leaf types whose serializer hands a value of this exact class back unchanged.
_AS_IS: dict[str, type] = {GraphQLString.name: str, GraphQLID.name: str, GraphQLBoolean.name: bool}


class Unusual(Exception):  # noqa: N818 (a signal to take the long way, not an error)
    """The plan does not cover this value: the long way must answer."""


class _Uncovered(Exception):  # noqa: N818
    """The document has something the plan cannot compile."""


class _Document:
    """One cached operation's plans, by root response key and ``@skip``/``@include`` values."""

    def __init__(
        self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
    ) -> None:
        # Held so that the ids of their nodes (the loader's keys) stay theirs.
        self.operation = operation
        self.fragments = fragments
        self.switches = sorted(switch_variables(operation, *fragments.values()))
        self.plans: dict[tuple[Any, ...], Build | None] = {}


_DOCUMENTS: OrderedDict[int, _Document] = OrderedDict()


def root_plan(
    executor: Any, return_type: GraphQLOutputType, fields: FieldDetailsList
) -> Build | None:
    """The compiled builder of a root field's value, or None where the long way must answer."""
    operation: OperationDefinitionNode = executor.operation
    loc = operation.loc
    if loc is None or len(loc.source.body) > MAX_CACHED_QUERY_LENGTH:
        return None
    document = _DOCUMENTS.get(id(operation))
    if document is None or document.operation is not operation:
        document = _DOCUMENTS[id(operation)] = _Document(operation, executor.fragment_definitions)
        if len(_DOCUMENTS) > CACHE_SIZE:
            _DOCUMENTS.popitem(last=False)
    else:
        _DOCUMENTS.move_to_end(id(operation))
    coerced = executor.variable_values.coerced
    key = (_response_key(fields), *(coerced.get(name) for name in document.switches))
    if key not in document.plans:
        try:
            document.plans[key] = _Compiler(executor).value(return_type, fields)
        except _Uncovered:
            document.plans[key] = None
    return document.plans[key]


def _response_key(fields: FieldDetailsList) -> str:
    first = fields[0].node
    return first.alias.value if first.alias else first.name.value


class _Compiler:
    """Turns a field's type and selection into a builder, at the request's switch values."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor

    def value(self, gql_type: GraphQLOutputType, fields: FieldDetailsList) -> Build:
        if isinstance(gql_type, GraphQLNonNull):
            inner = self.value(gql_type.of_type, fields)

            def non_null(value: Any) -> Any:
                if value is None:
                    raise Unusual
                return inner(value)

            return non_null
        inner = self._nullable(gql_type, fields)

        def nullable(value: Any) -> Any:
            return None if value is None else inner(value)

        return nullable

    def _nullable(self, gql_type: GraphQLOutputType, fields: FieldDetailsList) -> Build:
        if isinstance(gql_type, GraphQLList):
            item = self.value(gql_type.of_type, fields)

            def items(value: Any) -> Any:
                if type(value) is not list:
                    raise Unusual
                list_check.get()()
                return [item(element) for element in value]

            return items
        if isinstance(gql_type, GraphQLObjectType):
            return self._object(gql_type, fields)
        if isinstance(gql_type, GraphQLInterfaceType):
            return self._interface(gql_type, fields)
        if isinstance(gql_type, GraphQLLeafType):
            return _leaf(gql_type)
        raise _Uncovered

    def _interface(self, interface: GraphQLInterfaceType, fields: FieldDetailsList) -> Build:
        definition = interface.extensions.get(DEFINITION)
        if not isinstance(definition, StrawberryObjectDefinition) or definition.resolve_type:
            raise _Uncovered
        by_class: dict[type, Build] = {}
        for object_type in self.executor.schema.get_possible_types(interface):
            origin = _origin(object_type)
            if origin is not None:
                by_class[origin] = self._object(object_type, fields)

        def abstract(value: Any) -> Any:
            build = by_class.get(type(value))
            if build is None:
                raise Unusual
            return build(value)

        return abstract

    def _object(self, object_type: GraphQLObjectType, fields: FieldDetailsList) -> Build:
        origin = _origin(object_type)
        if origin is None:
            raise _Uncovered
        executor = self.executor
        if any(details.fragment_variable_values is not None for details in fields):
            raise _Uncovered
        grouped = collect_subfields(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            executor.operation,
            object_type,
            fields,
            executor.hide_suggestions,
        ).grouped_field_set
        steps = [(key, self._field(object_type, sub_fields)) for key, sub_fields in grouped.items()]
        checked = object_type.is_type_of is not None

        def build(value: Any) -> Any:
            if type(value) is not origin or (
                checked and getattr(value, TYPE_CAST_ATTRIBUTE, None) is not None
            ):
                raise Unusual
            return {key: step(value) for key, step in steps}

        return build

    def _field(self, parent: GraphQLObjectType, fields: FieldDetailsList) -> Build:
        first = fields[0].node
        name = first.name.value
        if name == "__typename":
            type_name = parent.name
            return lambda _value: type_name
        field = self.executor.schema.get_field(parent, name)
        definition = field.extensions.get(DEFINITION) if field is not None else None
        if field is None or not isinstance(definition, StrawberryField):
            raise _Uncovered
        complete = self.value(field.type, fields)
        if is_related(definition):
            loaded_key = id(first)

            def loaded(value: Any) -> Any:
                if not isinstance(value, node.Node) or loaded_key not in value.loaded:
                    raise Unusual
                return complete(value.loaded[loaded_key])

            return loaded
        if not (
            getattr(field.resolve, "_is_default", False) and definition.default_resolver is getattr
        ):
            raise _Uncovered
        attribute = definition.python_name

        def plain(value: Any) -> Any:
            try:
                found = getattr(value, attribute)
            except AttributeError:
                raise Unusual from None
            return complete(found)

        return plain


def _origin(object_type: GraphQLObjectType) -> type | None:
    """The class the object type's values are made of (a generic's for its specialisation)."""
    definition = object_type.extensions.get(DEFINITION)
    if not isinstance(definition, StrawberryObjectDefinition) or definition.is_type_of:
        return None
    if definition.concrete_of is not None:
        return definition.concrete_of.origin
    return None if definition.is_graphql_generic else definition.origin


def _leaf(leaf: GraphQLLeafType) -> Build:
    as_is = _AS_IS.get(leaf.name)
    coerce = leaf.coerce_output_value

    def serialize(value: Any) -> Any:
        if type(value) is as_is:
            return value
        try:
            serialized = coerce(value)
        except Exception:  # the long way reports it
            raise Unusual from None
        if serialized is None or serialized is Undefined:
            raise Unusual
        return serialized

    return serialize
