"""The batched loader: reads a whole selection tree with bounded SQL.

A root resolver hands its field to the loader, which walks the selection set
level by level. Each relationship field of the document costs one statement
for all parents at its level (plus one per selected ``totalCount``); nested
pages are cut per parent inside SQL (see ``schema.engine.nested``), so a ``first: n``
reads at most n+1 rows per parent. Resolvers below the root only read what
the loader attached to their parent object.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import strawberry
from graphql import GraphQLObjectType, GraphQLOutputType, get_named_type
from sqlalchemy import ColumnElement, Integer, Select, String, any_, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from strawberry.types.base import StrawberryObjectDefinition

from schema.context import Context
from schema.engine.filters import compile_filter
from schema.engine.ids import decode_id, decode_id_of
from schema.engine.nested import KEYS, LIMIT, nested_page
from schema.engine.node import Node
from schema.engine.pagination import (
    Connection,
    Edge,
    FollowConnection,
    FollowEdge,
    Page,
    PageInfo,
    parse_page,
)
from schema.engine.relations import NODES, RELATIONS, FollowCheck, ListSpec, NodeSpec, ToOne
from schema.engine.selection import Document, Field
from server.db import count_rows

__all__ = ["Loader"]

if TYPE_CHECKING:
    from schema.users import User

AnyConnection = Connection[Any] | FollowConnection

# Statements by shape (see ``Loader._statement``).
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}


def _named(gql_type: GraphQLOutputType) -> GraphQLObjectType:
    named = get_named_type(gql_type)
    assert isinstance(named, GraphQLObjectType)
    return named


class Loader:
    """Loads one root field's selection tree, inside the request's session lock."""

    def __init__(
        self, info: strawberry.Info[Context, None], context: Context | None = None
    ) -> None:
        raw = info._raw_info
        self._info = info
        # Another context than the field's own: a load shared by many subscribers.
        self._context = context or info.context
        self.doc = Document(raw.schema, raw.fragments, raw.variable_values)
        self.field = Field(raw.field_name, tuple(raw.field_nodes))
        self.parent_type = raw.parent_type.name
        self._classes: dict[str, Any] = {}

    # ------------------------------------------------------------- root fields

    async def root_list(self, spec: ListSpec) -> AnyConnection:
        args = self.doc.arguments(self.parent_type, self.field)
        [connection] = await self._context.exclusive(
            lambda: self._lists(self.parent_type, spec, self.field, args, None)
        )
        return connection

    async def nodes(self, global_ids: Sequence[str]) -> list[Node | None]:
        """The nodes the IDs name, in order; None for any malformed or unknown ID."""
        wanted: dict[str, set[int]] = defaultdict(set)
        decoded = [decode_id(global_id) for global_id in global_ids]
        for item in decoded:
            if item is not None and item[0] in NODES:
                wanted[item[0]].add(item[1])
        found: dict[tuple[str, int], Node] = {}

        async def load() -> None:
            for type_name, pks in wanted.items():
                rows = await self._fetch(self._by_id(NODES[type_name]), {KEYS: self._keys(pks)})
                objects = [self._build(type_name, row) for row in rows]
                found.update(((type_name, obj.pk), obj) for obj in objects)
                await self.populate(type_name, objects, [self.field])

        await self._context.exclusive(load)
        return [None if item is None else found.get(item) for item in decoded]

    async def attach(self, type_name: str, objects: Sequence[Node], payload_field: str) -> None:
        """Load what a mutation payload's ``payload_field`` selects for ``objects``."""
        fields = [f for f in self._own_fields() if f.name == payload_field]
        if objects and fields:

            async def load() -> None:
                for field in fields:  # each alias with its own selection
                    await self.populate(type_name, objects, [field])

            await self._context.exclusive(load)

    def _own_fields(self) -> list[Field]:
        return_type = _named(self._info._raw_info.return_type)
        return self.doc.collect(return_type.name, self.field.selection_sets())

    # ------------------------------------------------------------------ levels

    async def populate(
        self, type_name: str, objects: Sequence[Node], fields: Iterable[Field]
    ) -> None:
        """Load every relationship field that ``fields`` select on ``objects``."""
        relations = RELATIONS[type_name]
        for sub in self.doc.collect_fields_of(type_name, fields):
            relation = relations.get(sub.name)
            if relation is None:
                continue
            args = self.doc.arguments(type_name, sub)
            if isinstance(relation, ListSpec):
                values: Sequence[Any] = await self._lists(type_name, relation, sub, args, objects)
            elif isinstance(relation, ToOne):
                values = await self._to_one(relation, sub, objects)
            else:
                values = await self._follow_check(relation, args, objects)
            for obj, value in zip(objects, values, strict=True):
                for node in sub.nodes:
                    obj.loaded[id(node)] = value

    async def _lists(
        self,
        parent_type: str,
        spec: ListSpec,
        field: Field,
        args: dict[str, Any],
        parents: Sequence[Node] | None,
    ) -> list[AnyConnection]:
        """One connection per parent (or the root's one), all read in one statement."""
        settings = self._context.settings
        page = parse_page(
            spec.name,
            spec.sort_keys(args.get("orderBy")),
            args,
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )
        filter_value = args.get("filter")
        connection_type = _named(self.doc.object_type(parent_type).fields[field.name].type)
        edge_type = _named(connection_type.fields["edges"].type).name
        selected = self.doc.collect(connection_type.name, field.selection_sets())
        edge_fields = self.doc.collect_fields_of(
            edge_type, [f for f in selected if f.name == "edges"]
        )
        want_edges = any(f.name == "edges" for f in selected)
        want_cursors = any(f.name == "cursor" for f in edge_fields)

        keys: list[Any] = [None] if parents is None else sorted({p.pk for p in parents})
        pages: dict[Any, list[Row[Any]]] = defaultdict(list)
        counts: dict[Any, int] = {}
        if keys:
            parent_keys = None if parents is None else keys
            statement, params = self._page_statement(spec, page, filter_value, parent_keys)
            for row in await self._fetch(statement, params):
                pages[None if parents is None else row.link_parent].append(row)
            if any(f.name == "totalCount" for f in selected):
                counts = await self._counts(spec, filter_value, parent_keys)

        by_key = {
            key: self._connection(
                spec, page, pages[key], counts.get(key, 0), want_edges, want_cursors
            )
            for key in keys
        }
        loaded = [node for connection in by_key.values() for node in connection.nodes]
        # The nodes are selected under `nodes` and under `edges { node }`: each
        # place with its own selection.
        node_fields = [f for f in selected if f.name == "nodes"]
        node_fields += [f for f in edge_fields if f.name == "node"]
        for group in node_fields:
            await self.populate(spec.node.type_name, loaded, [group])
        if parents is None:
            return list(by_key.values())
        return [by_key[p.pk] for p in parents]

    def _connection(
        self,
        spec: ListSpec,
        page: Page,
        fetched: list[Row[Any]],
        total: int,
        want_edges: bool,
        want_cursors: bool,
    ) -> AnyConnection:
        """One parent's page; edges (and inner cursors) only when the document selects them."""
        rows, has_next, has_previous = page.window(fetched)
        # Cursors cost a JSON dump each: make the inner ones only when asked for.
        cursors = [
            page.cursor([getattr(row, key.label) for key in page.keys])
            if want_cursors or i in (0, len(rows) - 1)
            else ""
            for i, row in enumerate(rows)
        ]
        nodes = [self._build(spec.node.type_name, row) for row in rows]
        page_info = PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
        if spec.edge_columns:
            users = cast("list[User]", nodes)
            follow_edges = (
                [
                    FollowEdge(cursor=cursor, followed_at=row.followed_at, node=user)
                    for cursor, row, user in zip(cursors, rows, users, strict=True)
                ]
                if want_edges
                else []
            )
            return FollowConnection(
                edges=follow_edges, nodes=users, page_info=page_info, total_count=total
            )
        edges = (
            [Edge(cursor=cursor, node=node) for cursor, node in zip(cursors, nodes, strict=True)]
            if want_edges
            else []
        )
        return Connection(edges=edges, nodes=nodes, page_info=page_info, total_count=total)

    async def _to_one(
        self, relation: ToOne, field: Field, parents: Sequence[Node]
    ) -> list[Node | None]:
        keys = {getattr(p, relation.parent_attr) for p in parents} - {None}
        found: dict[Any, Node] = {}
        if keys:
            stmt = self._statement(
                ("to_one", id(relation)),
                lambda: select(*relation.node.columns, relation.key.label("link_key")).where(
                    self._in(relation.key)
                ),
            )
            rows = await self._fetch(stmt, {KEYS: self._keys(keys)})
            found = {row.link_key: self._build(relation.node.type_name, row) for row in rows}
            await self.populate(relation.node.type_name, list(found.values()), [field])
        return [found.get(getattr(p, relation.parent_attr)) for p in parents]

    async def _follow_check(
        self, relation: FollowCheck, args: dict[str, Any], parents: Sequence[Node]
    ) -> list[bool]:
        other = decode_id_of("User", args["userId"])
        if other is None or not parents:
            return [False] * len(parents)
        stmt = self._statement(
            ("follow_check", id(relation)),
            lambda: select(relation.parent).where(
                relation.other == bindparam("other"), self._in(relation.parent)
            ),
        )
        rows = await self._fetch(stmt, {"other": other, KEYS: self._keys(p.pk for p in parents)})
        hits = {row[0] for row in rows}
        return [p.pk in hits for p in parents]

    # --------------------------------------------------------------------- SQL

    def _page_statement(
        self, spec: ListSpec, page: Page, filter_value: Any, keys: list[Any] | None
    ) -> tuple[Select[Any], dict[str, Any]]:
        """The page (of every parent's page), and the values it binds."""
        bounds, params = page.bounds()
        params[LIMIT] = page.size + 1
        per_parent = keys is not None and spec.parent is not None
        if per_parent:
            params[KEYS] = self._keys(keys or ())

        def build() -> Select[Any]:
            predicate = self._predicate(spec, filter_value)
            if per_parent:
                assert spec.parent is not None
                return nested_page(
                    spec,
                    page,
                    predicate,
                    self._in(spec.parent),
                    filtered=bool(filter_value),
                    sqlite=self._context.database.is_sqlite,
                )
            columns: list[ColumnElement[Any]] = [
                *spec.node.columns,
                *(key.column.label(key.label) for key in page.keys),
                *(column.label(name) for name, column in spec.edge_columns.items()),
            ]
            return (
                select(*columns)
                .select_from(spec.source)
                .where(predicate, *bounds)
                .order_by(*page.order_by())
                .limit(bindparam(LIMIT, type_=Integer))
            )

        shape = ("page", per_parent, page.shape)
        return self._statement(shape, build, filtered=bool(filter_value)), params

    async def _counts(
        self, spec: ListSpec, filter_value: Any, keys: list[Any] | None
    ) -> dict[Any, int]:
        if keys is None or spec.parent is None:

            def total() -> Select[Any]:
                return (
                    select(func.count().label("total"))
                    .select_from(spec.source)
                    .where(self._predicate(spec, filter_value))
                )

            stmt = self._statement(("total", spec.name), total, filtered=bool(filter_value))
            [row] = await self._fetch(stmt)
            return {None: row.total}
        parent = spec.parent

        def per_parent() -> Select[Any]:
            return (
                select(parent.label("parent"), func.count().label("total"))
                .select_from(spec.source)
                .where(self._predicate(spec, filter_value), self._in(parent))
                .group_by(parent)
            )

        stmt = self._statement(("counts", spec.name), per_parent, filtered=bool(filter_value))
        rows = await self._fetch(stmt, {KEYS: self._keys(keys)})
        return {row.parent: row.total for row in rows}

    def _by_id(self, spec: NodeSpec) -> Select[Any]:
        return self._statement(
            ("nodes", spec.type_name),
            lambda: select(*spec.columns).where(self._in(spec.table.c.id)),
        )

    @staticmethod
    def _predicate(spec: ListSpec, filter_value: Any) -> ColumnElement[bool]:
        return compile_filter(spec.node.filter_type, filter_value) if filter_value else true()

    def _statement(
        self, shape: tuple[Any, ...], build: Callable[[], Select[Any]], *, filtered: bool = False
    ) -> Select[Any]:
        """The statement of this shape, built once per process and dialect.

        Building a statement costs SQLAlchemy more than running a small one
        (sub-query column collections, mostly); its values are bound at
        execution. Shapes are bounded by the schema: lists, orders, cursor
        directions. A filtered list's statement holds the filter's values,
        so it is built every time.
        """
        if filtered:
            return build()
        key = (self._context.database.is_sqlite, *shape)
        statement = _STATEMENTS.get(key)
        if statement is None:
            statement = _STATEMENTS[key] = build()
        return statement

    def _in(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """``column IN (the keys)``, the keys bound as one parameter, however many."""
        if self._context.database.is_sqlite:
            items = func.json_each(bindparam(KEYS, type_=String)).table_valued("value")
            return column.in_(select(items.c.value))
        return column == any_(bindparam(KEYS, type_=ARRAY(Integer)))

    def _keys(self, keys: Iterable[int]) -> Any:
        """The value of the keys parameter of ``_in``."""
        values = sorted(keys)
        return json.dumps(values) if self._context.database.is_sqlite else values

    async def _fetch(
        self, stmt: Select[Any], params: dict[str, Any] | None = None
    ) -> list[Row[Any]]:
        rows = list((await self._context.session.execute(stmt, params)).all())
        count_rows(len(rows))
        return rows

    def _build(self, type_name: str, row: Row[Any]) -> Node:
        node_class = self._classes.get(type_name)
        if node_class is None:
            definition = self._info.schema.get_type_by_name(type_name)
            assert isinstance(definition, StrawberryObjectDefinition)
            node_class = self._classes[type_name] = definition.origin
        node: Node = node_class.from_row(row)
        return node
