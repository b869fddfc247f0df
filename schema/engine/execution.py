"""The executor, with a short way through the fields that need no resolver.

A nested page of a few thousand objects is mostly plain attributes (``id``,
``name``, ``cursor``) and relationship fields the loader has already filled.
graphql-core gives every one of them the full treatment: a resolve-info
object, argument coercion, Strawberry's resolver wrapper and a recursive
completion. Here they take the short way:

- a plain attribute of a leaf type is read and serialized in place;
- a relationship field the loader attached is handed over as it is, without
  coercing the arguments again (the loader coerced them to run the query);
- an object of exactly the class its GraphQL type was made from is completed
  without asking Strawberry's ``is_type_of`` (which would answer yes).

Anything unusual (a null for a non-null field, a value the scalar refuses, a
field the loader did not reach) goes the long way, which reports it exactly as
graphql-core always has. Below the root fields of a cached document, the
compiled path (``schema.engine.compiled``) answers first; these short ways serve
what it leaves. A schema extension that wraps resolvers turns the
short ways off, since it must see every field.

Building an answer from loaded objects never awaits, so the request's time
budget cannot cut it off from outside: each list looks at the clock first,
and past the budget the answer is abandoned for a ``TIMEOUT`` error.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

import schema.engine.compiled as compiled
from schema.engine.node import Node
from schema.engine.relations import is_related
from schema.engine.timeout import RequestTimeoutError, past_budget

__all__ = ["ExecutionContext"]

DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


class _Plan:
    """How one field of the document is answered: worked out once, used for every object."""

    __slots__ = ("attribute", "field", "leaf", "loaded", "nullable")

    def __init__(self, parent_type: GraphQLObjectType, field: GraphQLField | None) -> None:
        self.field = field
        self.attribute: str | None = None  # a plain attribute of a leaf type
        self.leaf: GraphQLLeafType | None = None
        self.loaded = False  # a relationship field the loader fills
        self.nullable = True
        if field is None:
            return
        definition = field.extensions.get(DEFINITION)
        if not isinstance(definition, StrawberryField):
            return
        named: GraphQLOutputType = field.type
        if isinstance(named, GraphQLNonNull):
            self.nullable = False
            named = named.of_type
        if definition.is_basic_field and is_leaf_type(named):
            self.attribute = definition.python_name
            self.leaf = named
        self.loaded = is_related(definition)


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with the short ways described above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # By the id of a field group, which graphql-core reuses for every
        # object at one place in the document; kept alive beside its plan.
        self._plans: dict[int, tuple[FieldDetailsList, _Plan]] = {}
        self._classes: dict[str, type | None] = {}
        middleware = self.middleware_manager
        self._short_ways = middleware is None or not middleware.middlewares
        self._cut_off: RequestTimeoutError | None = None

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over an object's fields, answering plain attributes in place."""
        if not self._short_ways:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: list[str] = []  # the fields whose results are still to be awaited
        try:
            for response_name, field_details_list in grouped_field_set.items():
                value = self._attribute(self._plan(parent_type, field_details_list), source_value)
                if value is Undefined:
                    field_path = Path(path, response_name, parent_type.name)
                    value = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                    if value is Undefined:
                        continue
                    if self.is_awaitable(value):
                        pending.append(response_name)
                results[response_name] = value
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return _gathered(results, pending)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, field_details_list) if self._short_ways else None
        if plan is not None and plan.loaded and isinstance(source, Node):
            value = source.loaded.get(id(field_details_list[0].node), Undefined)
            if value is not Undefined:
                return self._complete_loaded(
                    plan, parent_type, field_details_list, path, value, position_context
                )
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if path.prev is None and self._short_ways:  # a root field: below it, the compiled path
            build = compiled.root_plan(self, return_type, field_details_list)
            if build is not None:
                check = compiled.list_check.set(self._check_budget)
                try:
                    return build(result)
                except compiled.Unusual:
                    pass
                finally:
                    compiled.list_check.reset(check)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if (
            self._short_ways
            and isinstance(named, GraphQLObjectType)
            and type(result) is self._class_of(named)
        ):
            return self.collect_and_execute_subfields(
                named, field_details_list, path, result, position_context
            )
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        self._check_budget()
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _check_budget(self) -> None:
        """Raise the ``TIMEOUT`` error once the request is past its budget, by the clock."""
        if self._cut_off is None:
            self._cut_off = past_budget(self.context_value)
        if self._cut_off is not None:
            raise self._cut_off

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The answer; once cut off, none, only the ``TIMEOUT`` error."""
        if self._cut_off is None:
            return super().build_response(data)
        self.run_async_work_finished_hook()
        return ExecutionResult(None, [self._cut_off])

    def _plan(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> _Plan:
        entry = self._plans.get(id(field_details_list))
        if entry is None:
            name = field_details_list[0].node.name.value
            plan = _Plan(parent_type, self.schema.get_field(parent_type, name))
            entry = self._plans[id(field_details_list)] = (field_details_list, plan)
        return entry[1]

    @staticmethod
    def _attribute(plan: _Plan, source: Any) -> Any:
        """A plain attribute, serialized; Undefined when the long way must answer."""
        if plan.attribute is None:
            return Undefined
        value = getattr(source, plan.attribute, Undefined)
        if value is None:
            return None if plan.nullable else Undefined
        if value is Undefined:
            return Undefined
        assert plan.leaf is not None
        try:
            serialized = plan.leaf.coerce_output_value(value)
        except Exception:  # the long way reports it
            return Undefined
        return Undefined if serialized is None else serialized

    def _class_of(self, object_type: GraphQLObjectType) -> type | None:
        """The Python class the object type was made from (None for a generic's specialisation)."""
        name = object_type.name
        if name not in self._classes:
            definition = object_type.extensions.get(DEFINITION)
            is_plain = isinstance(definition, StrawberryObjectDefinition) and not (
                definition.is_graphql_generic or definition.concrete_of or definition.is_type_of
            )
            self._classes[name] = definition.origin if is_plain else None  # type: ignore[union-attr]
        return self._classes[name]

    def _complete_loaded(
        self,
        plan: _Plan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        field = plan.field
        assert field is not None
        info = self.build_resolve_info(
            field, [details.node for details in field_details_list], parent_type, path
        )
        try:
            completed = self.complete_value(
                field.type, field_details_list, info, path, value, position_context
            )
        except Exception as error:  # located as graphql-core locates it
            self.handle_field_error(error, field.type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as error:
                self.handle_field_error(error, field.type, field_details_list, path)
                return None

        return await_completed()


async def _gathered(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    """``results`` with the awaitables under ``pending`` awaited (concurrently)."""
    if len(pending) == 1:
        results[pending[0]] = await results[pending[0]]
    else:
        values = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, values, strict=True))
    return results
