"""One prepared document: its plans (per ``@skip``/``@include`` values) and their statements.

A statement is compiled once per shape of the request (``bind``) to the
driver's own SQL and parameter order, so a request only binds values and
runs it: SQLAlchemy neither builds nor keys a statement per request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import VariableValues, get_variable_values
from sqlalchemy.engine import Dialect

from schema.engine.prepared.bind import Refused, bind
from schema.engine.prepared.build import statement
from schema.engine.prepared.plan import Plan, Uncovered, plan_operation
from schema.engine.selection import Document, switch_variables

__all__ = ["Compiled", "PreparedDocument"]

# Statements kept per document: one per shape, which clients choose (filters).
SHAPES_PER_DOCUMENT = 64


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement as the driver takes it: its text, its parameters' names in order.

    ``constants`` are the values the statement itself holds (literals SQLAlchemy
    made parameters of); the others come from the request.
    """

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    constants: Mapping[str, Any]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        constants = self.constants
        given = (constants[name] if name in constants else values[name] for name in self.names)
        return tuple(
            value if process is None or value is None else process(value)
            for value, process in zip(given, self.processors, strict=True)
        )


class PreparedDocument:
    """A query operation of a validated document, planned once, its statements kept."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
    ) -> None:
        operations = [
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (operation_name is None or (d.name is not None and d.name.value == operation_name))
        ]
        if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
            raise Uncovered("not one query operation")
        self.schema = schema
        self.operation = operations[0]
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.switches = sorted(switch_variables(self.operation, *self.fragments.values()))
        self._plans: dict[tuple[Any, ...], Plan | None] = {}
        self._compiled: OrderedDict[tuple[Any, ...], Compiled] = OrderedDict()
        if not self.switches:  # one plan: an uncovered document is known now
            self._plans[()] = self._planned(VariableValues(sources={}, coerced={}))
            if self._plans[()] is None:
                raise Uncovered("its fields")

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None

    def statement(
        self,
        raw_variables: Mapping[str, Any] | None,
        request_rows: Mapping[str, tuple[Any, ...] | None],
        dialect: Dialect,
        *,
        default_size: int,
        max_size: int,
    ) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters answering this request; ``Refused`` if it is not for the plan."""
        variables = get_variable_values(
            self.schema, self.operation.variable_definitions or (), dict(raw_variables or {})
        )
        if isinstance(variables, list):
            raise Refused
        switches = tuple(variables.coerced.get(name) for name in self.switches)
        plan = self._plan(switches, variables)
        sqlite = dialect.name == "sqlite"
        binding = bind(
            plan,
            variables,
            request_rows,
            default_size=default_size,
            max_size=max_size,
            sqlite=sqlite,
        )
        key = (switches, binding.shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(
                statement(plan, binding, sqlite=sqlite), dialect
            )
            if len(self._compiled) > SHAPES_PER_DOCUMENT:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return compiled.sql, compiled.parameters(binding.params)

    def _plan(self, switches: tuple[Any, ...], variables: VariableValues) -> Plan:
        if switches not in self._plans:
            self._plans[switches] = self._planned(variables)
        plan = self._plans[switches]
        if plan is None:
            raise Refused
        return plan

    def _planned(self, variables: VariableValues) -> Plan | None:
        """The plan at the switch values ``variables`` hold, or None if it cannot have one."""
        root = self.schema.get_root_type(OperationType.QUERY)
        assert root is not None
        document = Document(self.schema, self.fragments, variables)
        try:
            return plan_operation(self.schema, document, root, [self.operation.selection_set])
        except Uncovered:
            return None


def _compile(stmt: Any, dialect: Dialect) -> Compiled:
    compiled = stmt.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds
    processors = tuple(binds[name].type.bind_processor(dialect) for name in names)
    constants = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
    return Compiled(str(compiled), names, processors, constants)
