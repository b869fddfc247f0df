"""How large a document is, as the query limits measure it (SPEC §7, §9).

Its depth and aliases; an estimated node count — the product of page sizes
down each path of nested connections, summed, as GitHub's API computes it —
and an estimated cost: the values the answer can hold, each selected field
once per object it is selected on, a list field once per item it can hold (a
long alias, repeated as the key of each of its values, counts for more).
Fragments are followed and page sizes read from the coerced variables, so
moving a field into a fragment or a size into a variable changes nothing. A
page size counts at most the largest allowed, so that a size over it is
reported as what it is (``BAD_USER_INPUT`` on the argument).

A cached document is measured once: its depth and aliases, and its estimate
too unless a page size (or ``ids``) comes from a variable. Apps sending the
same documents all day then pay neither the walk nor a second coercion of
the variables (the executor coerces them anyway).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.engine.caching import CACHE_SIZE, MAX_CACHED_QUERY_LENGTH
from schema.engine.errors import BadUserInputError
from schema.engine.fields import ROOT_LIST
from schema.engine.pagination import parse_page
from schema.engine.relations import RELATED
from schema.engine.runtime import Limits
from schema.engine.selection import descendants

__all__ = ["Estimate", "Measured", "measured"]

ParentType = GraphQLObjectType | GraphQLInterfaceType
DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
# Characters of an alias that count as one more value: about what a value takes.
_KEY_LENGTH = 32
_SIZES = ("first", "last", "ids")  # the arguments the node estimate reads


@dataclass(slots=True)
class Estimate:
    nodes: int = 0
    values: int = 0
    # The error a list's arguments will be refused with (a size out of range,
    # ``first`` with ``last``, a bad cursor): reported first, not the estimate.
    argument_error: GraphQLError | None = None

    def add(self, other: Estimate) -> None:
        self.nodes += other.nodes
        self.values += other.values
        self.argument_error = self.argument_error or other.argument_error


@dataclass(slots=True)
class Measured:
    """One operation's measures; the estimate is worked out when first asked for."""

    operation: OperationDefinitionNode  # held, so that its id (the cache's key) stays its own
    depth: int
    aliases: int
    _walk: _Walk
    _root: ParentType
    _sized_by_variables: bool
    _estimate: Estimate | None = None

    def estimate(self, raw_variables: dict[str, Any] | None) -> Estimate | None:
        """The estimate under these variables; None when they do not coerce."""
        if self._estimate is not None:
            return self._estimate
        schema, operation = self._walk.schema, self.operation
        variables = get_variable_values(
            schema, operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(variables, list):
            return None  # the executor reports bad variables itself
        estimate = self._walk.estimate(self._root, operation.selection_set, 1, 1, variables)
        if not self._sized_by_variables:
            self._estimate = estimate
        return estimate


# By the id of a cached operation and the page sizes its estimate assumes.
_MEASURED: OrderedDict[tuple[int, int, int], Measured] = OrderedDict()


def measured(
    schema: GraphQLSchema,
    root: ParentType,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    limits: Limits,
) -> Measured:
    """The operation's measures: kept for a cached document, made afresh for any other."""
    loc = operation.loc
    kept = loc is not None and len(loc.source.body) <= MAX_CACHED_QUERY_LENGTH
    key = (id(operation), limits.default_page_size, limits.max_page_size)
    found = _MEASURED.get(key) if kept else None
    if found is not None and found.operation is operation:
        _MEASURED.move_to_end(key)
        return found
    walk = _Walk(schema, fragments, limits)
    depth = walk.depth(root, operation.selection_set)
    sized = _sizes_from_variables([operation, *fragments.values()])
    found = Measured(operation, depth, walk.aliases, walk, root, sized)
    if kept:
        _MEASURED[key] = found
        if len(_MEASURED) > CACHE_SIZE:
            _MEASURED.popitem(last=False)
    return found


def _sizes_from_variables(nodes: list[Any]) -> bool:
    """Whether an argument the estimate reads (``first``, ``last``, ``ids``) holds a variable."""
    return any(
        isinstance(item, ArgumentNode) and item.name.value in _SIZES and _holds_variable(item.value)
        for item in descendants(*nodes)
    )


def _holds_variable(value: ValueNode) -> bool:
    if isinstance(value, ListValueNode):
        return any(_holds_variable(item) for item in value.values)
    return isinstance(value, VariableNode)


class _Walk:
    """The walks over an operation's fields that measure it."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.limits = limits
        self.aliases = 0

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

    def depth(self, parent: ParentType, selection_set: SelectionSetNode) -> int:
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
                below = self.depth(child, field.selection_set)
            deepest = max(deepest, 1 + below)
        return deepest

    def estimate(
        self,
        parent: ParentType,
        selection_set: SelectionSetNode,
        objects: int,
        items: int,
        variables: VariableValues,
    ) -> Estimate:
        """Nodes and values below ``objects`` objects of ``parent``.

        ``items`` is how many items a list field of theirs holds: the page
        size when they are connections, otherwise one.
        """
        estimate = Estimate()
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
                limit = self.limits.max_page_size
                if ids is not None and len(ids) > limit and estimate.argument_error is None:
                    estimate.argument_error = BadUserInputError(
                        f"`{field.name.value}` takes at most {limit} IDs, not {len(ids)}"
                    )
            estimate.values += count * weight
            child = get_named_type(field_def.type)
            if field.selection_set is None or not isinstance(
                child, GraphQLObjectType | GraphQLInterfaceType
            ):
                continue
            below = 1
            if "edges" in child.fields and "pageInfo" in child.fields:
                estimate.argument_error = estimate.argument_error or self._page_error(
                    owner, field, field_def, args
                )
                size = args["first"] if args.get("first") is not None else args.get("last")
                below = self._size(self.limits.default_page_size if size is None else size)
                estimate.nodes += count * below
            elif "ids" in args:
                estimate.nodes += count
            estimate.add(self.estimate(child, field.selection_set, count, below, variables))
        return estimate

    def _page_error(
        self, owner: ParentType, field: FieldNode, field_def: GraphQLField, args: dict[str, Any]
    ) -> GraphQLError | None:
        """The error the loader refuses the list's page arguments with, if it does."""
        definition = field_def.extensions.get(DEFINITION)
        metadata = getattr(definition, "metadata", {})
        relation = metadata.get(RELATED) or metadata.get(ROOT_LIST)
        if relation is None or not isinstance(owner, GraphQLObjectType):
            return None
        spec = relation.spec(f"{owner.name}.{field.name.value}")
        limits = self.limits
        try:
            keys = spec.sort_keys(args.get("orderBy"))
            parse_page(
                spec.name,
                keys,
                args,
                default_size=limits.default_page_size,
                max_size=limits.max_page_size,
            )
        except GraphQLError as error:
            return error
        return None

    def _size(self, requested: int) -> int:
        """A page size as the estimates count it: at most the largest one allowed."""
        return min(max(requested, 0), self.limits.max_page_size)


def _weight(field: FieldNode) -> int:
    """Values one answer of ``field`` counts as: more for a long alias.

    The alias is the key of every value the field answers with, and nothing
    else bounds its length; one per ``_KEY_LENGTH`` characters keeps the size
    the cost stands for.
    """
    return 1 if field.alias is None else 1 + len(field.alias.value) // _KEY_LENGTH


def _is_list(type_: GraphQLOutputType) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)
