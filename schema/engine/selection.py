"""Reading the query document: which fields are asked for, with which arguments.

The loaders plan their SQL from the selection set before anything resolves.
Fields are collected the way the executor collects them (fragments inlined,
type conditions and ``@skip``/``@include`` honoured), and arguments are the
executor's own coerced values, so the plan and the execution agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    Node,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

__all__ = ["Document", "Field", "descendants", "has_variables", "switch_variables"]


@dataclass(frozen=True, slots=True)
class Field:
    """One response key of a selection set: the field nodes merged under it."""

    name: str
    nodes: tuple[FieldNode, ...]

    def selection_sets(self) -> list[SelectionSetNode]:
        return [node.selection_set for node in self.nodes if node.selection_set is not None]


class Document:
    """The executing operation's schema, fragments and variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues | dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        # Strawberry's executor hands resolvers the plain coerced dict.
        if isinstance(variables, dict):
            variables = VariableValues(sources={}, coerced=variables)
        self.variables = variables

    def object_type(self, name: str) -> GraphQLObjectType:
        gql_type = self.schema.get_type(name)
        assert isinstance(gql_type, GraphQLObjectType), name
        return gql_type

    def collect(self, type_name: str, selection_sets: Iterable[SelectionSetNode]) -> list[Field]:
        """The fields selected on an object of ``type_name``, by response key."""
        runtime_type = self.object_type(type_name)
        grouped: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._visit(runtime_type, selection_set, grouped, visited)
        return [Field(nodes[0].name.value, tuple(nodes)) for nodes in grouped.values()]

    def collect_fields_of(self, type_name: str, fields: Iterable[Field]) -> list[Field]:
        return self.collect(type_name, [s for f in fields for s in f.selection_sets()])

    def arguments(self, type_name: str, field: Field) -> dict[str, Any]:
        """The coerced arguments of a field, defaults applied."""
        field_def = self.object_type(type_name).fields[field.name]
        return get_argument_values(field_def, field.nodes[0], self.variables)

    def _visit(
        self,
        runtime_type: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._matches(condition.name.value, runtime_type):
                    self._visit(runtime_type, selection.selection_set, grouped, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._matches(fragment.type_condition.name.value, runtime_type):
                    self._visit(runtime_type, fragment.selection_set, grouped, visited)

    def _included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode | Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip["if"] is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include["if"] is False)

    def _matches(self, condition: str, runtime_type: GraphQLObjectType) -> bool:
        if condition == runtime_type.name:
            return True
        abstract = self.schema.get_type(condition)
        return abstract is not None and self.schema.is_sub_type(abstract, runtime_type)  # type: ignore[arg-type]


def descendants(*roots: Any) -> Iterator[Node]:
    """Every node of a document's tree under ``roots``, the roots included."""
    pending: list[Any] = list(roots)
    while pending:
        item = pending.pop()
        if isinstance(item, Node):
            yield item
            pending.extend(getattr(item, key, None) for key in item.keys)
        elif isinstance(item, tuple | list):
            pending.extend(item)


def has_variables(*roots: Any) -> bool:
    """Whether a variable appears anywhere under ``roots``."""
    return any(isinstance(item, VariableNode) for item in descendants(*roots))


def switch_variables(*roots: Any) -> set[str]:
    """The variables the ``@skip``/``@include`` under ``roots`` read."""
    return {
        argument.value.name.value
        for item in descendants(*roots)
        if isinstance(item, DirectiveNode) and item.name.value in ("skip", "include")
        for argument in item.arguments or ()
        if isinstance(argument.value, VariableNode)
    }
