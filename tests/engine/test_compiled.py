"""The compiled execution path answers byte for byte what Strawberry's stock executor answers.

Documents are generated from the live schema (hypothesis-graphql: nested
lists, fragments on the ``Node`` interface, errors from bad arguments), then
dressed with what it does not generate: aliases, ``__typename`` and
``@skip``/``@include`` reading variables. Each runs through the schema as
served and through the stock executor, on the same data; the JSON of data
and errors must be the same bytes. ``CAMPUS_FUZZ_EXAMPLES`` sets how many.
"""

from __future__ import annotations

import os
from typing import Any

import graphql
import orjson
import pytest
import strawberry
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema
from sqlalchemy.ext.asyncio import AsyncConnection

from schema import root
from schema.domains import articles, courses, students, teachers, users
from schema.engine import compiled
from server.config import Settings
from server.db.engine import Database
from tests.engine.test_execution import DOCUMENTS, _run
from tests.http.test_fuzz import SCALARS
from tests.support import load_dataset

# The reference executor's own ways (prepared reads have tests of their own).
pytestmark = pytest.mark.read_paths("off")

EXAMPLES = int(os.environ.get("CAMPUS_FUZZ_EXAMPLES", "40"))
SWITCHES = {"on": True, "off": False}

differential = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The reference: the served schema's types and extensions (the query limits
# among them, which refuse a document before any resolver runs) with
# Strawberry's stock execution context, so that the execution path is the one
# difference. Without the limits a document over them would answer the stock
# way with its resolvers' errors and the served way with the refusal.
STOCK = strawberry.Schema(
    query=root.Query,
    mutation=root.Mutation,
    types=[students.Student, courses.Course, teachers.Teacher, users.User, articles.Article],
    extensions=root.schema.extensions,
    config=root.schema.config,
)

_queries = from_schema(
    root.schema.as_str(),
    fields=["students", "courses", "teachers", "users", "articles", "node", "nodes"],
    custom_scalars=SCALARS,
    mode=Mode.POSITIVE,
    print_ast=lambda document: document,
)


def _dress(document: graphql.DocumentNode, data: st.DataObject) -> str:
    """The document with aliases, ``__typename`` and switches drawn into its selections."""
    counter = iter(range(10_000))

    def field(selection: graphql.FieldNode, inner: graphql.SelectionSetNode | None) -> Any:
        alias = selection.alias
        if data.draw(st.booleans()):
            alias = graphql.NameNode(value=f"a{next(counter)}")
        directives: tuple[graphql.DirectiveNode, ...] = ()
        switch = data.draw(st.sampled_from([None, *SWITCHES]))
        if switch is not None:
            argument = graphql.ArgumentNode(
                name=graphql.NameNode(value="if"),
                value=graphql.VariableNode(name=graphql.NameNode(value=switch)),
            )
            name = data.draw(st.sampled_from(["skip", "include"]))
            directives = (
                graphql.DirectiveNode(name=graphql.NameNode(value=name), arguments=(argument,)),
            )
        return graphql.FieldNode(
            alias=alias,
            name=selection.name,
            arguments=selection.arguments,
            directives=directives,
            selection_set=inner,
        )

    def selections(selection_set: graphql.SelectionSetNode) -> graphql.SelectionSetNode:
        out: list[Any] = []
        for selection in selection_set.selections:
            if isinstance(selection, graphql.FieldNode):
                inner = selection.selection_set
                out.append(field(selection, None if inner is None else selections(inner)))
            elif isinstance(selection, graphql.InlineFragmentNode):
                out.append(
                    graphql.InlineFragmentNode(
                        type_condition=selection.type_condition,
                        directives=selection.directives,
                        selection_set=selections(selection.selection_set),
                    )
                )
            else:
                out.append(selection)
        if data.draw(st.booleans()):
            out.insert(0, graphql.FieldNode(name=graphql.NameNode(value="__typename")))
        return graphql.SelectionSetNode(selections=tuple(out))

    variables = tuple(
        graphql.VariableDefinitionNode(
            variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
            type=graphql.NonNullTypeNode(
                type=graphql.NamedTypeNode(name=graphql.NameNode(value="Boolean"))
            ),
        )
        for name in SWITCHES
    )
    operations = []
    for definition in document.definitions:
        assert isinstance(definition, graphql.OperationDefinitionNode)
        operations.append(
            graphql.OperationDefinitionNode(
                operation=definition.operation,
                name=definition.name,
                variable_definitions=variables,
                directives=definition.directives,
                selection_set=selections(definition.selection_set),
            )
        )
    document = graphql.DocumentNode(definitions=tuple(operations))
    return graphql.print_ast(document)


@pytest.fixture
async def campus(connection: AsyncConnection) -> None:
    await load_dataset(
        connection,
        students=14,
        courses=6,
        teachers=3,
        registrations=40,
        users=12,
        follows=30,
        articles=20,
    )


async def _both(document: str, settings: Settings, database: Database) -> tuple[bytes, bytes]:
    variables: dict[str, Any] = dict(SWITCHES)
    ours = await _run(root.schema, document, settings, database, variables)
    stock = await _run(STOCK, document, settings, database, variables)
    return orjson.dumps(ours), orjson.dumps(stock)


@pytest.mark.usefixtures("campus")
@differential
@given(document=_queries, data=st.data())
async def test_generated_documents_answer_as_the_stock_executor(
    document: graphql.DocumentNode, data: st.DataObject, settings: Settings, database: Database
) -> None:
    text = _dress(document, data)
    ours, stock = await _both(text, settings, database)
    note(f"{text}\nours:  {ours.decode()}\nstock: {stock.decode()}")
    assert ours == stock


@pytest.mark.usefixtures("campus")
async def test_the_canonical_documents_take_the_compiled_path(
    settings: Settings, database: Database
) -> None:
    document = DOCUMENTS[0]
    ours, stock = await _both(document, settings, database)
    assert ours == stock
    # Earlier tests may have cached the same text under other parsed documents.
    plans = [
        plan
        for d in compiled._DOCUMENTS.values()
        if d.operation.loc and d.operation.loc.source.body == document
        for plan in d.plans.values()
    ]
    assert plans, "the document was not planned"
    assert None not in plans, "a root field of the document took the long way"
