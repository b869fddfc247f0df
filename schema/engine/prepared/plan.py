"""A read document, planned once: what each value of the answer is made of.

The plan mirrors the answer. At the root: lists, ``node``/``nodes`` by global
ID, rows the request names (the viewer) and ``__typename``; below them,
objects of node types whose fields are columns, global IDs, type names,
to-ones, memberships and lists, each list made of its nodes, edges, page
info and total count. Fields are collected as the executor collects them
(fragments inlined, type conditions and ``@skip``/``@include`` honoured at the
plan's switch values), so the plan answers with the executor's keys in the
executor's order. Anything else — introspection, a field with a resolver of
its own, a scalar the engine does not write — is ``Uncovered``, and the
document is answered the reference way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from schema.engine.fields import BY_ID, REQUEST_ROW, ROOT_LIST, RequestRow
from schema.engine.prepared.arguments import ArgumentReader, reader
from schema.engine.prepared.json_sql import ColumnKind
from schema.engine.relations import ListSpec, Membership, NodeSpec, Relation, ToOne
from schema.engine.selection import Document, Field, has_variables
from schema.engine.typemap import named, node_of, origin, relations

__all__ = [
    "Arguments",
    "Column",
    "Constant",
    "Cursor",
    "EdgeColumn",
    "Edges",
    "GlobalId",
    "ListPlan",
    "MembershipPlan",
    "Nodes",
    "ObjectPlan",
    "PageInfoPart",
    "Plan",
    "RootById",
    "RootRow",
    "ToOnePlan",
    "Total",
    "Uncovered",
    "plan_operation",
]

DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
# The scalars a column is written as, by the name of their GraphQL type.
_SCALARS: dict[str, ColumnKind] = {
    "String": "text",
    "Int": "int",
    "Boolean": "bool",
    "DateTime": "time",
}
_PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")


class Uncovered(Exception):  # noqa: N818 (a signal: the reference way answers)
    """The document holds something a plan cannot write."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    nullable: bool


@dataclass(frozen=True)
class GlobalId:
    type_name: str


@dataclass(frozen=True)
class Constant:
    value: str


@dataclass(frozen=True)
class Cursor:
    pass


@dataclass(frozen=True)
class Total:
    pass


@dataclass(frozen=True)
class EdgeColumn:
    name: str
    kind: ColumnKind


@dataclass
class Arguments:
    """Where a field's arguments come from: read per request, at ``index`` among the bound."""

    index: int
    field: GraphQLField
    node: FieldNode
    static: bool  # written in the document: the same for every request
    read: ArgumentReader  # the arguments for a request's variables


@dataclass
class ObjectPlan:
    node: NodeSpec
    type_name: str
    fields: list[tuple[str, Any]]


@dataclass
class ToOnePlan:
    relation: ToOne
    target: ObjectPlan
    nullable: bool


@dataclass
class MembershipPlan:
    relation: Membership
    args: Arguments


@dataclass
class Nodes:
    target: ObjectPlan


@dataclass
class Edges:
    parts: list[tuple[str, Any]]  # Cursor, EdgeColumn, ObjectPlan (the node), Constant


@dataclass
class PageInfoPart:
    parts: list[tuple[str, str | Constant]]


@dataclass
class ListPlan:
    spec: ListSpec
    args: Arguments
    filter_class: Any
    parts: list[tuple[str, Any]]  # Nodes, Edges, PageInfoPart, Total, Constant

    @property
    def reads_rows(self) -> bool:
        """Whether a part is made of the page's rows (not only of counts and constants)."""
        return any(isinstance(part, Nodes | Edges) for _, part in self.parts) or self.wants_cursors

    @property
    def wants_cursors(self) -> bool:
        return any(
            (
                isinstance(part, PageInfoPart)
                and any(which in ("startCursor", "endCursor") for _, which in part.parts)
            )
            or (isinstance(part, Edges) and any(isinstance(p, Cursor) for _, p in part.parts))
            for _, part in self.parts
        )


@dataclass
class RootById:
    """``node(id:)`` (one) or ``nodes(ids:)`` (a list): the objects of each type it may be."""

    args: Arguments
    many: bool
    by_type: dict[str, ObjectPlan]


@dataclass
class RootRow:
    """A root field answering the row the request names (the signed-in user)."""

    row: RequestRow
    args: Arguments
    target: ObjectPlan


@dataclass
class Plan:
    fields: list[tuple[str, Any]]
    # Every part whose SQL depends on the request (lists, memberships, lookups), by index.
    bound: list[Any] = field(default_factory=list)
    # The bindings of parts whose arguments hold no variable, made once (``bind``).
    static: dict[int, tuple[Any, Any, dict[str, Any]]] = field(default_factory=dict)


def plan_operation(
    schema: GraphQLSchema, document: Document, root: GraphQLObjectType, selection: list[Any]
) -> Plan:
    """The plan of a query operation, at the switch values ``document`` holds."""
    return _Planner(schema, document).root(root, selection)


class _Planner:
    def __init__(self, schema: GraphQLSchema, document: Document) -> None:
        self.schema = schema
        self.doc = document
        self.plan = Plan([])

    def root(self, root: GraphQLObjectType, selection: list[Any]) -> Plan:
        for key, fields in self._collect(root.name, selection):
            self.plan.fields.append((key, self._root_field(root, fields)))
        return self.plan

    def _collect(self, type_name: str, selection_sets: list[Any]) -> list[tuple[str, Field]]:
        collected = self.doc.collect(type_name, selection_sets)
        return [(_key(f), f) for f in collected]

    def _arguments(self, field_def: GraphQLField, fields: Field) -> Arguments:
        """The field's arguments; its place among the bound parts is taken before its children's."""
        self.plan.bound.append(None)
        node = fields.nodes[0]
        index = len(self.plan.bound) - 1
        return Arguments(
            index, field_def, node, not has_variables(node.arguments), reader(field_def, node)
        )

    def _bound(self, part: Any) -> Any:
        self.plan.bound[part.args.index] = part
        return part

    def _root_field(self, root: GraphQLObjectType, fields: Field) -> Any:
        if fields.name == "__typename":
            return Constant(root.name)
        field_def = root.fields.get(fields.name)
        definition = None if field_def is None else field_def.extensions.get(DEFINITION)
        if field_def is None or not isinstance(definition, StrawberryField):
            raise Uncovered(fields.name)  # introspection, or a field Strawberry did not make
        metadata = definition.metadata
        if ROOT_LIST in metadata:
            return self._list(root.name, field_def, fields, metadata[ROOT_LIST])
        if BY_ID in metadata:
            args = self._arguments(field_def, fields)
            interface = get_named_type(field_def.type)
            if not isinstance(interface, GraphQLInterfaceType):
                raise Uncovered(fields.name)
            by_type = {
                object_type.name: self._object(object_type.name, fields.selection_sets())
                for object_type in self.schema.get_possible_types(interface)
            }
            return self._bound(RootById(args, metadata[BY_ID] == "many", by_type))
        if REQUEST_ROW in metadata:
            args = self._arguments(field_def, fields)
            target = self._object(named(field_def.type).name, fields.selection_sets())
            return self._bound(RootRow(metadata[REQUEST_ROW], args, target))
        raise Uncovered(fields.name)

    def _object(self, type_name: str, selection_sets: list[Any]) -> ObjectPlan:
        object_type = self.doc.object_type(type_name)
        node = node_of(object_type)
        if node is None:
            raise Uncovered(type_name)
        related = relations(object_type)
        parts: list[tuple[str, Any]] = []
        for key, fields in self._collect(type_name, selection_sets):
            name = fields.name
            if name == "__typename":
                parts.append((key, Constant(type_name)))
            elif name == "id":
                parts.append((key, GlobalId(type_name)))
            elif name in related:
                parts.append((key, self._related(object_type, fields, related[name])))
            else:
                parts.append((key, self._column(object_type, name, node)))
        return ObjectPlan(node, type_name, parts)

    def _column(self, object_type: GraphQLObjectType, name: str, node: NodeSpec) -> Column:
        field_def = object_type.fields[name]
        definition = field_def.extensions.get(DEFINITION)
        scalar = get_named_type(field_def.type)
        kind = _SCALARS.get(scalar.name)
        if (
            kind is None
            or not isinstance(definition, StrawberryField)
            or definition.base_resolver is not None
            or definition.python_name not in node.table.c
        ):
            raise Uncovered(f"{object_type.name}.{name}")
        return Column(definition.python_name, kind, not isinstance(field_def.type, GraphQLNonNull))

    def _related(self, parent: GraphQLObjectType, fields: Field, relation: Relation) -> Any:
        spec = relation.spec(f"{parent.name}.{fields.name}")
        field_def = parent.fields[fields.name]
        if isinstance(spec, ListSpec):
            return self._list(parent.name, field_def, fields, relation)
        if isinstance(spec, ToOne):
            target = self._object(named(field_def.type).name, fields.selection_sets())
            return ToOnePlan(spec, target, not isinstance(field_def.type, GraphQLNonNull))
        assert isinstance(spec, Membership)
        return self._bound(MembershipPlan(spec, self._arguments(field_def, fields)))

    def _list(
        self, parent_name: str, field_def: GraphQLField, fields: Field, relation: Relation
    ) -> ListPlan:
        spec = relation.spec(f"{parent_name}.{fields.name}")
        assert isinstance(spec, ListSpec)
        filter_arg = field_def.args.get("filter")
        filter_class = None if filter_arg is None else origin(get_named_type(filter_arg.type))
        planned = ListPlan(spec, self._arguments(field_def, fields), filter_class, [])
        self._bound(planned)
        connection = named(field_def.type)
        for key, sub in self._collect(connection.name, fields.selection_sets()):
            planned.parts.append((key, self._connection_part(connection, sub, spec)))
        return planned

    def _connection_part(self, connection: GraphQLObjectType, fields: Field, spec: ListSpec) -> Any:
        name = fields.name
        if name == "__typename":
            return Constant(connection.name)
        if name == "totalCount":
            return Total()
        if name == "nodes":
            return Nodes(self._object(spec.node.type_name, fields.selection_sets()))
        if name == "pageInfo":
            page_info = named(connection.fields["pageInfo"].type)
            parts: list[tuple[str, str | Constant]] = []
            for key, sub in self._collect(page_info.name, fields.selection_sets()):
                if sub.name == "__typename":
                    parts.append((key, Constant(page_info.name)))
                elif sub.name in _PAGE_INFO:
                    parts.append((key, sub.name))
                else:
                    raise Uncovered(f"PageInfo.{sub.name}")
            return PageInfoPart(parts)
        if name == "edges":
            return Edges(self._edge_parts(named(connection.fields["edges"].type), fields, spec))
        raise Uncovered(f"{connection.name}.{name}")

    def _edge_parts(self, edge: GraphQLObjectType, fields: Field, spec: ListSpec) -> list[Any]:
        parts: list[tuple[str, Any]] = []
        for key, sub in self._collect(edge.name, fields.selection_sets()):
            if sub.name == "__typename":
                parts.append((key, Constant(edge.name)))
            elif sub.name == "cursor":
                parts.append((key, Cursor()))
            elif sub.name == "node":
                parts.append((key, self._object(spec.node.type_name, sub.selection_sets())))
            else:
                definition = edge.fields[sub.name].extensions.get(DEFINITION)
                python_name = getattr(definition, "python_name", None)
                kind = _SCALARS.get(get_named_type(edge.fields[sub.name].type).name)
                if not isinstance(python_name, str) or python_name not in spec.edge_columns:
                    raise Uncovered(f"{edge.name}.{sub.name}")
                if kind is None:
                    raise Uncovered(f"{edge.name}.{sub.name}")
                parts.append((key, EdgeColumn(python_name, kind)))
        return parts


def _key(fields: Field) -> str:
    first = fields.nodes[0]
    return first.alias.value if first.alias else first.name.value
