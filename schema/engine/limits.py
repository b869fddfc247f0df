"""Query limits, checked before anything executes (SPEC §7, §9).

Depth, aliases, tokens, an estimated node count and an estimated cost, each
against its setting (``schema.engine.measure`` says how they are measured). A
rejected query runs no SQL at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    Source,
    TokenKind,
)
from graphql.language import Lexer
from strawberry.extensions import SchemaExtension

from schema.engine.caching import CACHE_SIZE, MAX_CACHED_QUERY_LENGTH
from schema.engine.measure import Estimate, Measured, measured
from schema.engine.runtime import Limits

__all__ = [
    "QueryLimits",
    "QueryTooComplexError",
    "check_estimate",
    "check_shape",
    "check_tokens",
    "measured",
]


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
        limits = self._limits()
        if query is not None and limits is not None:
            check_tokens(query, limits)
        yield

    def on_execute(self) -> Iterator[None]:
        limits = self._limits()
        document = self.execution_context.graphql_document
        operation = (
            _operation(document, self.execution_context.operation_name) if document else None
        )
        schema = self.execution_context.schema._schema
        root = schema.get_root_type(operation.operation) if operation else None
        if limits is not None and document is not None and operation and root is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            measures = measured(schema, root, operation, fragments, limits)
            check_shape(measures, limits)
            estimate = check_estimate(measures, limits, self.execution_context.variables)
            # A payload's bad page arguments would fail only after the change
            # committed: refused before anything runs, so that nothing changes.
            mutation = operation.operation is OperationType.MUTATION
            if mutation and estimate is not None and estimate.argument_error is not None:
                raise estimate.argument_error
        yield

    def _limits(self) -> Limits | None:
        context = self.execution_context.context
        limits: Limits | None = getattr(context, "limits", None)
        return limits


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


def check_tokens(query: str, limits: Limits) -> None:
    """Refuse a document of more tokens than the limit (``QueryTooComplexError``)."""
    tokens = _tokens(query, limits.max_tokens)
    if tokens > limits.max_tokens:
        raise QueryTooComplexError("tokens", limits.max_tokens, tokens, "the token count")


def check_shape(measures: Measured, limits: Limits) -> None:
    """Refuse an operation nested deeper, or with more aliases, than the limits."""
    if measures.depth > limits.max_depth:
        raise QueryTooComplexError("depth", limits.max_depth, measures.depth, "the query depth")
    if measures.aliases > limits.max_aliases:
        raise QueryTooComplexError(
            "aliases", limits.max_aliases, measures.aliases, "the alias count"
        )


def check_estimate(
    measures: Measured, limits: Limits, raw_variables: dict[str, Any] | None
) -> Estimate | None:
    """Refuse an operation whose estimated nodes or cost, under these variables, pass the limits.

    The estimate (None when the variables do not coerce), for what else it tells.
    """
    estimate = measures.estimate(raw_variables)
    if estimate is None or estimate.argument_error is not None:
        return estimate  # the executor reports bad variables and arguments itself, first
    if estimate.nodes > limits.max_nodes:
        raise QueryTooComplexError(
            "nodes", limits.max_nodes, estimate.nodes, "the estimated node count"
        )
    if estimate.values > limits.max_cost:
        raise QueryTooComplexError("cost", limits.max_cost, estimate.values, "the estimated cost")
    return estimate
