"""Query limits, checked before anything executes (SPEC §7, §9).

Depth, aliases, tokens and an estimated node count — the product of page
sizes down each path of nested connections, summed, as GitHub's API computes
it. Fragments are followed and page sizes read from the coerced variables, so
moving a field into a fragment or a size into a variable changes nothing. A
rejected query runs no SQL at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import Lexer
from strawberry.extensions import SchemaExtension

from schema.context import Context
from server.config import Settings

__all__ = ["QueryLimits", "QueryTooComplexError"]

ParentType = GraphQLObjectType | GraphQLInterfaceType


class QueryTooComplexError(GraphQLError):
    """A document over one of the limits: says which, the limit and the measure."""

    def __init__(self, rule: str, limit: int, measured: int, what: str) -> None:
        super().__init__(
            f"Query refused: {what} is {measured}, over the limit of {limit}",
            extensions={
                "code": "QUERY_TOO_COMPLEX",
                "rule": rule,
                "limit": limit,
                "measured": measured,
            },
        )


class QueryLimits(SchemaExtension):
    """Refuses documents over the configured limits before they execute."""

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        settings = self._settings()
        if query is not None and settings is not None:
            tokens = _count_tokens(query, settings.max_tokens)
            if tokens > settings.max_tokens:
                raise QueryTooComplexError("tokens", settings.max_tokens, tokens, "the token count")
        yield

    def on_execute(self) -> Iterator[None]:
        settings = self._settings()
        document = self.execution_context.graphql_document
        operation = (
            _operation(document, self.execution_context.operation_name) if document else None
        )
        if settings is not None and document is not None and operation is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            schema = self.execution_context.schema._schema
            _Measure(schema, fragments, settings).check(operation, self.execution_context.variables)
        yield

    def _settings(self) -> Settings | None:
        context = self.execution_context.context
        return context.settings if isinstance(context, Context) else None


def _count_tokens(query: str, limit: int) -> int:
    """Lexical tokens up to one past ``limit`` (a syntax error ends the count)."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while count <= limit and lexer.advance().kind is not TokenKind.EOF:
            count += 1
    except GraphQLSyntaxError:
        pass
    return count


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name and operation.name.value == name):
            return operation
    return None


class _Measure:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        settings: Settings,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.settings = settings
        self.aliases = 0

    def check(
        self, operation: OperationDefinitionNode, raw_variables: dict[str, Any] | None
    ) -> None:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return
        depth = self._depth(root, operation.selection_set)
        if depth > self.settings.max_depth:
            raise QueryTooComplexError("depth", self.settings.max_depth, depth, "the query depth")
        if self.aliases > self.settings.max_aliases:
            raise QueryTooComplexError(
                "aliases", self.settings.max_aliases, self.aliases, "the alias count"
            )
        variables = get_variable_values(
            self.schema, operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(variables, list):
            return  # the executor reports bad variables itself
        nodes = self._nodes(root, operation.selection_set, 1, variables)
        if nodes > self.settings.max_nodes:
            raise QueryTooComplexError(
                "nodes", self.settings.max_nodes, nodes, "the estimated node count"
            )

    def _fields(
        self, parent: ParentType, selection_set: SelectionSetNode
    ) -> Iterator[tuple[ParentType, FieldNode]]:
        """Every field a selection set may select, fragments followed."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield parent, selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(self._condition(selection, parent), selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self._fields(
                        self._condition(fragment, parent), fragment.selection_set
                    )

    def _condition(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: ParentType
    ) -> ParentType:
        if fragment.type_condition is None:
            return parent
        narrowed = self.schema.get_type(fragment.type_condition.name.value)
        return (
            narrowed if isinstance(narrowed, GraphQLObjectType | GraphQLInterfaceType) else parent
        )

    def _depth(self, parent: ParentType, selection_set: SelectionSetNode) -> int:
        deepest = 0
        for owner, field in self._fields(parent, selection_set):
            if field.alias is not None:
                self.aliases += 1
            field_def = owner.fields.get(field.name.value)
            if field_def is None:
                continue  # introspection is not counted, so GraphiQL's own query passes
            child = get_named_type(field_def.type)
            below = 0
            if field.selection_set and isinstance(child, GraphQLObjectType | GraphQLInterfaceType):
                below = self._depth(child, field.selection_set)
            deepest = max(deepest, 1 + below)
        return deepest

    def _nodes(
        self,
        parent: ParentType,
        selection_set: SelectionSetNode,
        multiplier: int,
        variables: VariableValues,
    ) -> int:
        total = 0
        for owner, field in self._fields(parent, selection_set):
            field_def = owner.fields.get(field.name.value)
            if field_def is None or field.selection_set is None:
                continue
            child = get_named_type(field_def.type)
            if not isinstance(child, GraphQLObjectType | GraphQLInterfaceType):
                continue
            args = get_argument_values(field_def, field, variables)
            count = multiplier
            if "edges" in child.fields and "pageInfo" in child.fields:
                size = args["first"] if args.get("first") is not None else args.get("last")
                count = multiplier * (
                    self.settings.default_page_size if size is None else max(size, 0)
                )
                total += count
            elif "ids" in args:
                count = multiplier * len(args["ids"])
                total += count
            total += self._nodes(child, field.selection_set, count, variables)
        return total
