"""Query limits, checked before anything executes (SPEC §7, §9).

Depth, aliases, tokens, an estimated node count — the product of page sizes
down each path of nested connections, summed, as GitHub's API computes it —
and an estimated cost: the values the answer can hold, each selected field
once per object it is selected on, a list field once per item it can hold (a
long alias, repeated as the key of each of its values, counts for more).
Fragments are followed and page sizes read from the coerced variables, so
moving a field into a fragment or a size into a variable changes nothing. A
page size counts at most the largest allowed, so that a size over it is
reported as what it is (``BAD_USER_INPUT`` on the argument). A rejected query
runs no SQL at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
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
from schema.engine.caching import CACHE_SIZE, MAX_CACHED_QUERY_LENGTH
from server.config import Settings

__all__ = ["QueryLimits", "QueryTooComplexError"]

ParentType = GraphQLObjectType | GraphQLInterfaceType
# Characters of an alias that count as one more value: about what a value takes.
_KEY_LENGTH = 32


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
            tokens = _tokens(query, settings.max_tokens)
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


def _tokens(query: str, limit: int) -> int:
    """The token count, remembered for documents short enough to be cached (~50 µs each)."""
    if len(query) <= MAX_CACHED_QUERY_LENGTH:
        return _remembered_tokens(query, limit)
    return _count_tokens(query, limit)


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


_remembered_tokens = lru_cache(maxsize=CACHE_SIZE)(_count_tokens)


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
        estimate = self._estimate(root, operation.selection_set, 1, 1, variables)
        if estimate.nodes > self.settings.max_nodes:
            raise QueryTooComplexError(
                "nodes", self.settings.max_nodes, estimate.nodes, "the estimated node count"
            )
        if estimate.values > self.settings.max_cost:
            raise QueryTooComplexError(
                "cost", self.settings.max_cost, estimate.values, "the estimated cost"
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

    def _estimate(
        self,
        parent: ParentType,
        selection_set: SelectionSetNode,
        objects: int,
        items: int,
        variables: VariableValues,
    ) -> _Estimate:
        """Nodes and values below ``objects`` objects of ``parent``.

        ``items`` is how many items a list field of theirs holds: the page
        size when they are connections, otherwise one.
        """
        estimate = _Estimate()
        for owner, field in self._fields(parent, selection_set):
            field_def = owner.fields.get(field.name.value)
            weight = _weight(field)
            if field_def is None:  # __typename, or introspection's root: one value
                estimate.values += objects * weight
                continue
            args = get_argument_values(field_def, field, variables) if field_def.args else {}
            count = objects
            if _is_list(field_def.type):
                ids = args.get("ids")
                count = objects * (items if ids is None else self._size(len(ids)))
            estimate.values += count * weight
            child = get_named_type(field_def.type)
            if field.selection_set is None or not isinstance(
                child, GraphQLObjectType | GraphQLInterfaceType
            ):
                continue
            below = 1
            if "edges" in child.fields and "pageInfo" in child.fields:
                size = args["first"] if args.get("first") is not None else args.get("last")
                below = self._size(self.settings.default_page_size if size is None else size)
                estimate.nodes += count * below
            elif "ids" in args:
                estimate.nodes += count
            estimate.add(self._estimate(child, field.selection_set, count, below, variables))
        return estimate

    def _size(self, requested: int) -> int:
        """A page size as the estimates count it: at most the largest one allowed."""
        return min(max(requested, 0), self.settings.max_page_size)


@dataclass(slots=True)
class _Estimate:
    nodes: int = 0
    values: int = 0

    def add(self, other: _Estimate) -> None:
        self.nodes += other.nodes
        self.values += other.values


def _weight(field: FieldNode) -> int:
    """Values one answer of ``field`` counts as: more for a long alias.

    The alias is the key of every value the field answers with, and nothing
    else bounds its length; one per ``_KEY_LENGTH`` characters keeps the size
    the cost stands for.
    """
    return 1 if field.alias is None else 1 + len(field.alias.value) // _KEY_LENGTH


def _is_list(type_: GraphQLOutputType) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)
