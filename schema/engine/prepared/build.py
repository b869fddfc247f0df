"""The one statement of a plan: SQL whose single value is the answer's ``data``, as JSON.

Each list is a scalar sub-select over its page: the page's rows (``q``) are
read as the loader reads them — a parent's page a ``LIMIT`` over the index
its order has, correlated with the parent's row, the page's size written
into the statement — and gathered into the connection's JSON. Whether the
list goes on past the page is its row n+1 read off the index; for a page
from one end of the list that asks its ``totalCount``, the count tells it
(read once, beside the page). The start and end cursors are written once,
from the keys of the end rows. Nested lists, to-ones and memberships are
sub-selects correlated with the row of the object they belong to, so every
level reads what the document asks of it and no more.

On SQLite the aggregate takes its rows in the order of the sub-select it
reads (ordered, which SQLite keeps for an aggregate other than
count/min/max; the one row of a count beside it does not reorder them); on
PostgreSQL the aggregate orders them itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from schema.engine.filters import compile_filter
from schema.engine.pagination import Page, read_off
from schema.engine.prepared.bind import Binding, ListBinding
from schema.engine.prepared.json_sql import JsonSql, Value, json_sql, sql_text
from schema.engine.prepared.plan import (
    Column,
    Constant,
    Cursor,
    EdgeColumn,
    Edges,
    GlobalId,
    ListPlan,
    MembershipPlan,
    Nodes,
    ObjectPlan,
    PageInfoPart,
    Plan,
    RootById,
    RootRow,
    ToOnePlan,
    Total,
)

__all__ = ["statement"]


def statement(plan: Plan, binding: Binding, *, sqlite: bool) -> Select[Any]:
    """The plan's statement at the shapes ``binding`` holds (its values are parameters)."""
    return _Builder(binding, sqlite=sqlite).root(plan)


class _Builder:
    def __init__(self, binding: Binding, *, sqlite: bool) -> None:
        self.binding = binding
        self.sqlite = sqlite
        self.json: JsonSql = json_sql(sqlite=sqlite)
        self._aliases = 0

    def _name(self, letter: str) -> str:
        self._aliases += 1
        return f"{letter}{self._aliases}"

    def root(self, plan: Plan) -> Select[Any]:
        pairs = [(key, self._root_part(part)) for key, part in plan.fields]
        return select(self.json.obj(pairs).expr.label("data"))

    def _root_part(self, part: Any) -> Value:
        if isinstance(part, Constant):
            return self.json.constant(part.value)
        if isinstance(part, ListPlan):
            return self._list(part, None)
        if isinstance(part, RootById):
            return self._by_ids(part) if part.many else self._by_id(part)
        assert isinstance(part, RootRow)
        if self.binding.values[part.args.index] is None:
            return self.json.null()
        prefix = _prefix(part.args.index)
        row = part.target.node.table.alias(self._name("o"))
        matches = [row.c[name] == bindparam(f"{prefix}_{name}") for name in part.row.columns]
        return self._one(part.target, row, and_(*matches), None)

    def _one(
        self, target: ObjectPlan, row: FromClause, where: ColumnElement[bool], outer: Any
    ) -> Value:
        """The object of the one row of ``row`` that ``where`` picks, or null."""
        found = select(self._object(target, row).expr).select_from(row).where(where)
        found = found.correlate(outer) if outer is not None else found.correlate(None)
        return Value(found.scalar_subquery(), "json", nullable=True)

    def _by_id(self, part: RootById) -> Value:
        found = self.binding.values[part.args.index]
        if found is None:
            return self.json.null()
        type_name, _ = found
        target = part.by_type[type_name]
        row = target.node.table.alias(self._name("o"))
        pk = bindparam(f"{_prefix(part.args.index)}_pk", type_=Integer)
        return self._one(target, row, row.c.id == pk, None)

    def _by_ids(self, part: RootById) -> Value:
        """``nodes(ids:)``: each ID's object in the order given, null for any not found."""
        prefix = _prefix(part.args.index)
        wanted: FromClause
        if self.sqlite:
            items = func.json_each(bindparam(f"{prefix}_ids", type_=String))
            each = items.table_valued("key", "value")
            wanted = (
                select(
                    each.c.key.label("ord"),
                    func.json_extract(each.c.value, "$[0]").label("type"),
                    func.json_extract(each.c.value, "$[1]").label("pk"),
                )
                .order_by(each.c.key)
                .subquery(self._name("j"))
            )
        else:
            unnest = func.unnest(
                cast(bindparam(f"{prefix}_types"), ARRAY(Text)),
                cast(bindparam(f"{prefix}_pks"), ARRAY(BigInteger)),
            )
            valued = unnest.table_valued("type", "pk", with_ordinality="ord")
            wanted = valued.render_derived(name=self._name("j"))
        whens = []
        for type_name, target in part.by_type.items():
            row = target.node.table.alias(self._name("o"))
            value = self._one(target, row, row.c.id == wanted.c.pk, wanted)
            whens.append((wanted.c.type == sql_text(type_name), value.expr))
        item = Value(case(*whens, else_=None) if whens else literal(None), "json", nullable=True)
        gathered = self.json.array(item, [wanted.c.ord])
        return Value(select(gathered.expr).select_from(wanted).scalar_subquery(), "json")

    def _object(self, target: ObjectPlan, row: FromClause) -> Value:
        return self.json.obj([(key, self._field(part, row)) for key, part in target.fields])

    def _field(self, part: Any, row: FromClause) -> Value:
        if isinstance(part, Constant):
            return self.json.constant(part.value)
        if isinstance(part, GlobalId):
            return self.json.global_id(part.type_name, row.c.id)
        if isinstance(part, Column):
            return self._column(row.c[part.name], part.kind, part.nullable)
        if isinstance(part, ToOnePlan):
            relation = part.relation
            target = relation.node.table.alias(self._name("t"))
            own = row.c["id" if relation.parent_attr == "pk" else relation.parent_attr]
            return self._one(part.target, target, target.c[relation.key.name] == own, row)
        if isinstance(part, MembershipPlan):
            return self._membership(part, row)
        assert isinstance(part, ListPlan)
        return self._list(part, row)

    def _column(self, column: ColumnElement[Any], kind: str, nullable: bool) -> Value:
        if kind == "time":
            return self.json.time(column, nullable=nullable)
        if kind == "bool":
            return self.json.truth(column)
        return Value(column, "text" if kind == "text" else "int", nullable)

    def _membership(self, part: MembershipPlan, row: FromClause) -> Value:
        if self.binding.values[part.args.index] is None:
            return self.json.truth(false())
        relation = part.relation
        other = bindparam(f"{_prefix(part.args.index)}_other", type_=Integer)
        linked = select(relation.parent).where(relation.parent == row.c.id, relation.other == other)
        return self.json.truth(exists(linked.correlate(row)))

    # ----------------------------------------------------------------- lists

    def _list(self, part: ListPlan, parent: FromClause | None) -> Value:
        bound = self.binding.values[part.args.index]
        assert isinstance(bound, ListBinding)
        prefix = _prefix(part.args.index)
        spec, page = part.spec, bound.page
        keys = page.keys
        if parent is not None and spec.link is not None:
            keys = spec.link.keys(spec.node, page.keys) or keys
        fetched = replace(page, keys=keys)
        bounds, _ = fetched.bounds(f"{prefix}_")
        own = [*self._own(part, parent), self._predicate(part, bound)]
        where = [*own, *bounds]
        size = literal_column(str(int(page.size)), Integer)
        # On PostgreSQL a parent's page off its link table's index, the nodes
        # joined after (it otherwise plans the join first, over whole tables); a
        # filter needs the nodes' columns, so it reads them together. SQLite walks
        # the link index in the page's order and looks each node up as it goes:
        # read apart, it would copy the page out and sort it again, per parent.
        link = spec.link
        reads_link = (
            keys is not page.keys
            and link is not None
            and link.table is not spec.node.table
            and bound.filter_value is None
            and not self.sqlite
        )
        source = link.table if reads_link and link is not None else spec.source
        beyond: Select[Any] | None = None  # the row past the page, when not read as the page is
        picked = [
            *(key.column.label(key.label) for key in keys),
            *(column.label(name) for name, column in spec.edge_columns.items()),
        ]
        if reads_link and link is not None:
            top = select(link.member.label("link_member"), *picked).select_from(source)
            top = top.where(*where).order_by(*fetched.order_by()).limit(size)
            t = _correlated(top, parent).subquery(self._name("k"))
            in_t = read_off(keys, t)
            nodes: FromClause = spec.node.table
            joined = t.join(nodes, nodes.c.id == t.c.link_member)
            if not self.sqlite:
                # Each member looked up by its key, never a scan of the table: LATERAL,
                # and LIMIT so that the planner cannot turn it back into a plain join.
                one = select(nodes).where(nodes.c.id == t.c.link_member).limit(literal_column("1"))
                named = one.lateral(self._name("n"))
                nodes, joined = named, t.join(named, true())
            rows = (
                select(
                    *(nodes.c[c.name] for c in spec.node.columns), *(t.c[c.name] for c in picked)
                )
                .select_from(joined)
                .order_by(*(key.order_by(page.backward) for key in in_t))
            )
        elif (ranges := fetched.ranges(f"{prefix}_") if self.sqlite else None) and not parent:
            # A root page past a cursor on SQLite: a seek per range, merged
            # (``Page.ranges``); the row past the page is read off the merge.
            whole = select(*spec.node.columns, *picked).select_from(source).where(*own)
            past = literal_column(str(int(page.size) + 1), Integer)
            merged = fetched.merged(whole, ranges, past, self._name("m"))
            moved = read_off(keys, merged)
            order_merged = [key.order_by(page.backward) for key in moved]
            rows = select(merged).order_by(*order_merged).limit(size)
            beyond = select(*(key.column for key in moved)).order_by(*order_merged)
            beyond = beyond.limit(literal_column("1")).offset(size)
        else:
            rows = select(*spec.node.columns, *picked).select_from(source).where(*where)
            rows = _correlated(rows.order_by(*fetched.order_by()).limit(size), parent)
        q = rows.subquery(self._name("q"))
        # The rows in the list's order (a backward page is read from its end).
        in_q = read_off(keys, q)
        order = [key.order_by(False) for key in in_q]
        if page.backward and self.sqlite:
            q = select(q).order_by(*order).subquery(self._name("r"))
            in_q = read_off(keys, q)
            order = [key.order_by(False) for key in in_q]
        total: ColumnElement[int] | None = None
        counted: FromClause | None = None
        if (
            part.reads_rows
            and any(isinstance(sub, Total) for _, sub in part.parts)
            and page.after is None
            and page.before is None
            and page.size
        ):
            # A page from one end of the list, no cursor, with its count: the count
            # is read once beside the page, and the list goes on past the page
            # exactly when the count passes its size, so the filter is not run a
            # third time for the row past the page. (Such a page is empty only
            # when the list is, where the count is 0.)
            counted = self._count(part, bound, parent).subquery(self._name("c"))
            total = func.coalesce(func.max(counted.c.n), literal_column("0"))
            more = total > size
        else:
            # Whether the list goes on past the page: its row n+1, read off the index
            # again. (Selecting the keys, not a constant, keeps SQLite on the index.)
            if beyond is None:
                beyond = select(*(key.column for key in keys)).select_from(source).where(*where)
                beyond = beyond.order_by(*fetched.order_by()).limit(literal_column("1"))
                beyond = beyond.offset(size)
            more = exists(_correlated(beyond, parent))
        keyed: list[tuple[ColumnElement[Any], bool]] = [
            (q.c[key.label], key.is_time) for key in page.keys
        ]
        reverse = [key.order_by(True) for key in in_q]
        ctx = _Page(q, order, reverse, bound.cursor_head, keyed, page, more, total)
        pairs = [(key, self._connection_part(sub, part, ctx, parent)) for key, sub in part.parts]
        connection = select(self.json.obj(pairs).expr)
        # Reads the page only when a part is made of its rows: a connection asked
        # for no more than its totalCount is one answer over no rows, not none.
        if part.reads_rows:
            connection = connection.select_from(q)
        if counted is not None:
            connection = connection.select_from(counted)
        return Value(_correlated(connection, parent).scalar_subquery(), "json")

    def _own(self, part: ListPlan, parent: FromClause | None) -> list[ColumnElement[bool]]:
        """The list's rows of this parent (none at the root)."""
        spec = part.spec
        return [] if parent is None or spec.parent is None else [spec.parent == parent.c.id]

    def _predicate(self, part: ListPlan, bound: ListBinding) -> ColumnElement[bool]:
        if bound.filter_value is None:
            return true()
        place = f"{_prefix(part.args.index)}_filter"
        return compile_filter(part.filter_class, part.spec.node.model, bound.filter_value, place)

    def _connection_part(
        self, sub: Any, part: ListPlan, ctx: _Page, parent: FromClause | None
    ) -> Value:
        if isinstance(sub, Constant):
            return self.json.constant(sub.value)
        if isinstance(sub, Nodes):
            return self.json.array(self._object(sub.target, ctx.q), ctx.order)
        if isinstance(sub, Edges):
            edge = self.json.obj([(key, self._edge_part(e, ctx)) for key, e in sub.parts])
            return self.json.array(edge, ctx.order)
        if isinstance(sub, PageInfoPart):
            return self.json.obj([(key, self._page_info(which, ctx)) for key, which in sub.parts])
        assert isinstance(sub, Total)
        if ctx.total is not None:
            return Value(ctx.total, "int")
        count = self._count(part, self.binding.values[part.args.index], parent)
        return Value(count.scalar_subquery(), "int")

    def _count(self, part: ListPlan, bound: ListBinding, parent: FromClause | None) -> Select[Any]:
        """How many rows the list has (this parent's, past its filter), as ``n``."""
        where = [*self._own(part, parent), self._predicate(part, bound)]
        count = select(func.count().label("n")).select_from(part.spec.source).where(*where)
        return _correlated(count, parent)

    def _edge_part(self, part: Any, ctx: _Page) -> Value:
        if isinstance(part, Constant):
            return self.json.constant(part.value)
        if isinstance(part, Cursor):
            return self.json.cursor(ctx.head, ctx.keys)
        if isinstance(part, EdgeColumn):
            return self._column(ctx.q.c[part.name], part.kind, False)
        assert isinstance(part, ObjectPlan)
        return self._object(part, ctx.q)

    def _page_info(self, which: str | Constant, ctx: _Page) -> Value:
        if isinstance(which, Constant):
            return self.json.constant(which.value)
        page = ctx.page
        if which == "hasNextPage":
            return self.json.truth(_known(page.before is not None) if page.backward else ctx.more)
        if which == "hasPreviousPage":
            return self.json.truth(ctx.more if page.backward else _known(page.after is not None))
        if which == "startCursor":
            return self.json.end(ctx.head, ctx.keys, ctx.order, last=False)
        return self.json.end(ctx.head, ctx.keys, ctx.reverse, last=True)


@dataclass(frozen=True, slots=True)
class _Page:
    """A list's page as its parts are written from it."""

    q: Any  # the page's rows
    order: list[Any]  # their order in the list
    reverse: list[Any]
    head: str  # the cursors' JSON up to their values
    keys: list[tuple[Any, bool]]  # the cursors' values (and whether each is a time)
    page: Page
    more: ColumnElement[bool]  # whether the list goes on past the page, where it was read from
    total: ColumnElement[int] | None  # the list's count, when read beside the page


def _correlated(stmt: Select[Any], parent: FromClause | None) -> Select[Any]:
    """``stmt`` reading the parent's row from outside, and nothing else."""
    return stmt.correlate(parent) if parent is not None else stmt.correlate(None)


def _known(value: bool) -> ColumnElement[bool]:
    return true() if value else false()


def _prefix(index: int) -> str:
    return f"b{index}"
