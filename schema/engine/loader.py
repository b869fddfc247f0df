"""The batched loader: reads a whole selection tree with bounded SQL.

A root resolver hands its field to the loader, which walks the selection set
level by level. Each relationship field of the document costs one statement
for all parents at its level (plus one per selected ``totalCount``); nested
pages are cut per parent inside SQL (see ``schema.engine.nested``), so a ``first: n``
reads at most n+1 rows per parent. Resolvers below the root only read what
the loader attached to their parent object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import strawberry
from graphql import get_named_type
from sqlalchemy import Select
from sqlalchemy.engine import Row

from schema.engine.ids import decode_id, decode_id_of
from schema.engine.node import Node
from schema.engine.pagination import Page, PageInfo, parse_page
from schema.engine.relations import (
    ListSpec,
    Membership,
    Relation,
    ToOne,
)
from schema.engine.runtime import Runtime, count_rows
from schema.engine.selection import Document, Field
from schema.engine.statements import KEYS, TOTAL, Statements
from schema.engine.typemap import named, node_of, origin, relations

__all__ = ["Loader"]


class Loader:
    """Loads one root field's selection tree, inside the request's session lock."""

    def __init__(self, info: strawberry.Info[Any, None], context: Runtime | None = None) -> None:
        raw = info._raw_info
        self._info = info
        # Another context than the field's own: a load shared by many subscribers.
        self._context: Runtime = context or info.context
        self.doc = Document(raw.schema, raw.fragments, raw.variable_values)
        self.field = Field(raw.field_name, tuple(raw.field_nodes))
        self.parent_type = raw.parent_type.name
        self._classes: dict[str, Any] = {}
        self._sql = Statements(sqlite=self._context.is_sqlite)

    # ------------------------------------------------------------- root fields

    async def root_list(self, relation: Relation) -> Any:
        spec = relation.spec(f"{self.parent_type}.{self.field.name}")
        assert isinstance(spec, ListSpec)
        args = self.doc.arguments(self.parent_type, self.field)
        [connection] = await self._context.exclusive(
            lambda: self._lists(self.parent_type, spec, self.field, args, None)
        )
        return connection

    async def nodes(self, global_ids: Sequence[str]) -> list[Node | None]:
        """The nodes the IDs name, in order; None for any malformed or unknown ID."""
        wanted: dict[str, set[int]] = defaultdict(set)
        decoded = [decode_id(global_id) for global_id in global_ids]
        specs = {
            item[0]: node_of(self.doc.schema.get_type(item[0]))
            for item in decoded
            if item is not None
        }
        for item in decoded:
            if item is not None and specs[item[0]] is not None:
                wanted[item[0]].add(item[1])
        found: dict[tuple[str, int], Node] = {}

        async def load() -> None:
            for type_name, pks in wanted.items():
                spec = specs[type_name]
                assert spec is not None
                rows = await self._fetch(self._sql.by_id(spec), {KEYS: self._sql.keys(pks)})
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
        return_type = named(self._info._raw_info.return_type)
        return self.doc.collect(return_type.name, self.field.selection_sets())

    # ------------------------------------------------------------------ levels

    async def populate(
        self, type_name: str, objects: Sequence[Node], fields: Iterable[Field]
    ) -> None:
        """Load every relationship field that ``fields`` select on ``objects``."""
        related = relations(self.doc.object_type(type_name))
        for sub in self.doc.collect_fields_of(type_name, fields):
            if sub.name not in related:
                continue
            relation = related[sub.name].spec(f"{type_name}.{sub.name}")
            args = self.doc.arguments(type_name, sub)
            if isinstance(relation, ListSpec):
                values: Sequence[Any] = await self._lists(type_name, relation, sub, args, objects)
            elif isinstance(relation, ToOne):
                values = await self._to_one(relation, sub, objects)
            else:
                values = await self._membership(relation, args, objects)
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
    ) -> list[Any]:
        """One connection per parent (or the root's one), all read in one statement."""
        limits = self._context.limits
        page = parse_page(
            spec.name,
            spec.sort_keys(args.get("orderBy")),
            args,
            default_size=limits.default_page_size,
            max_size=limits.max_page_size,
        )
        field_def = self.doc.object_type(parent_type).fields[field.name]
        filter_value = args.get("filter")
        if filter_value:
            filter_type = get_named_type(field_def.args["filter"].type)
            filter_value = (origin(filter_type), filter_value)
        connection_type = named(field_def.type)
        edge_type = named(connection_type.fields["edges"].type).name
        selected = self.doc.collect(connection_type.name, field.selection_sets())
        edge_fields = self.doc.collect_fields_of(
            edge_type, [f for f in selected if f.name == "edges"]
        )
        want_edges = any(f.name == "edges" for f in selected)
        want_cursors = any(f.name == "cursor" for f in edge_fields)
        want_page_info = any(f.name == "pageInfo" for f in selected)

        keys: list[Any] = [None] if parents is None else sorted({p.pk for p in parents})
        pages: dict[Any, list[Row[Any]]] = defaultdict(list)
        counts: dict[Any, int] = {}
        if keys:
            parent_keys = None if parents is None else keys
            want_total = any(f.name == "totalCount" for f in selected)
            # A root page reads its list's count itself (one round trip).
            with_total = want_total and parents is None and self._sql.counts_with_page(filter_value)
            statement, params = self._sql.page(
                spec, page, filter_value, parent_keys, with_total=with_total
            )
            rows = await self._fetch(statement, params)
            for row in rows:
                pages[None if parents is None else row.link_parent].append(row)
            if with_total and rows:
                counts = {None: getattr(rows[0], TOTAL)}
            elif want_total and (not with_total or page.after or page.before):
                # Nested pages, a filter too large, or an empty page past a cursor (no
                # row to carry the count); an empty page from the start is an empty list.
                counts = await self._counts(spec, filter_value, parent_keys)

        classes = (origin(connection_type), origin(named(connection_type.fields["edges"].type)))
        by_key = {
            key: self._connection(
                spec,
                page,
                classes,
                pages[key],
                counts.get(key, 0),
                want_edges=want_edges,
                want_cursors=want_cursors,
                want_page_info=want_page_info,
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
        classes: tuple[Any, Any],
        fetched: list[Row[Any]],
        total: int,
        *,
        want_edges: bool,
        want_cursors: bool,
        want_page_info: bool,
    ) -> Any:
        """One parent's page; edges (and cursors) only when the document selects them."""
        rows, has_next, has_previous = page.window(fetched)
        # Cursors cost a JSON dump each: make them only where the document reads them.
        ends = (0, len(rows) - 1) if want_page_info else ()
        cursors = [
            page.cursor([getattr(row, key.label) for key in page.keys])
            if want_cursors or i in ends
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
        connection_class, edge_class = classes
        edges = (
            [
                edge_class(
                    cursor=cursor,
                    node=node,
                    **{name: getattr(row, name) for name in spec.edge_columns},
                )
                for cursor, row, node in zip(cursors, rows, nodes, strict=True)
            ]
            if want_edges
            else []
        )
        return connection_class(edges=edges, nodes=nodes, page_info=page_info, total_count=total)

    async def _to_one(
        self, relation: ToOne, field: Field, parents: Sequence[Node]
    ) -> list[Node | None]:
        keys = {getattr(p, relation.parent_attr) for p in parents} - {None}
        found: dict[Any, Node] = {}
        if keys:
            rows = await self._fetch(self._sql.to_one(relation), {KEYS: self._sql.keys(keys)})
            found = {row.link_key: self._build(relation.node.type_name, row) for row in rows}
            await self.populate(relation.node.type_name, list(found.values()), [field])
        return [found.get(getattr(p, relation.parent_attr)) for p in parents]

    async def _membership(
        self, relation: Membership, args: dict[str, Any], parents: Sequence[Node]
    ) -> list[bool]:
        [argument] = args.values()
        other = decode_id_of(relation.other_type, argument)
        if other is None or not parents:
            return [False] * len(parents)
        params = {"other": other, KEYS: self._sql.keys(p.pk for p in parents)}
        rows = await self._fetch(self._sql.membership(relation), params)
        hits = {row[0] for row in rows}
        return [p.pk in hits for p in parents]

    async def _counts(
        self, spec: ListSpec, filter_value: Any, keys: list[Any] | None
    ) -> dict[Any, int]:
        if keys is None or spec.parent is None:
            [row] = await self._fetch(*self._sql.total(spec, filter_value))
            return {None: getattr(row, TOTAL)}
        statement, params = self._sql.counts(spec, filter_value)
        rows = await self._fetch(statement, {**params, KEYS: self._sql.keys(keys)})
        return {row.parent: getattr(row, TOTAL) for row in rows}

    async def _fetch(
        self, stmt: Select[Any], params: dict[str, Any] | None = None
    ) -> list[Row[Any]]:
        rows = list((await self._context.session.execute(stmt, params)).all())
        count_rows(len(rows))
        return rows

    def _build(self, type_name: str, row: Row[Any]) -> Node:
        node_class = self._classes.get(type_name)
        if node_class is None:
            node_class = self._classes[type_name] = origin(self.doc.schema.get_type(type_name))
        node: Node = node_class.from_row(row)
        return node
