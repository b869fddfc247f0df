"""A prepared document's arguments read per request are what graphql-core reads.

``reader`` coerces a field's literal parts once and fills in the variables
per request; for every document and variables here it must give what
``get_argument_values`` gives (Strawberry's input objects compare by value),
or refuse where it refuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from graphql.execution.values import get_argument_values, get_variable_values

from schema.engine.prepared.arguments import reader
from schema.root import schema

SCHEMA = schema._schema

CASES: list[tuple[str, dict[str, Any]]] = [
    # No variable at all, and the defaults of the arguments not given.
    ('{ students(first: 3, filter: {name: {contains: "an"}}) { totalCount } }', {}),
    # A variable deep inside a filter, given and missing (the field takes its default).
    (
        "query($c: String) { students(filter: {courses: {some: {code: {eq: $c}}}}) "
        "{ totalCount } }",
        {"c": "CS1001"},
    ),
    (
        "query($c: String) { students(filter: {courses: {some: {code: {eq: $c}}}}) "
        "{ totalCount } }",
        {},
    ),
    # A whole argument as a variable: given, null, missing (its default, null).
    ("query($n: Int) { students(first: $n) { totalCount } }", {"n": 2}),
    ("query($n: Int) { students(first: $n) { totalCount } }", {"n": None}),
    ("query($n: Int) { students(first: $n) { totalCount } }", {}),
    # Variables inside lists: given, one missing (null in a list of nullable items?
    # no: [String!] refuses it), and a single value standing for a list of one.
    (
        'query($a: String, $b: String) { students(filter: {name: {in: [$a, $b, "x"]}}) '
        "{ totalCount } }",
        {"a": "Ann", "b": "Bo"},
    ),
    (
        'query($a: String, $b: String) { students(filter: {name: {in: [$a, $b, "x"]}}) '
        "{ totalCount } }",
        {"a": "Ann"},
    ),
    ("query($a: String) { students(filter: {name: {in: $a}}) { totalCount } }", {"a": "Ann"}),
    # and/or/not around variables, and an order given as a variable.
    (
        "query($g: String, $s: [StudentOrder!]) { students(orderBy: $s, filter: {or: "
        '[{grade: {eq: $g}}, {not: {name: {startsWith: "Z"}}}]}) { totalCount } }',
        {"g": "A", "s": [{"field": "NAME", "direction": "DESC"}]},
    ),
    (
        "query($g: String, $s: [StudentOrder!]) { students(orderBy: $s, filter: {or: "
        '[{grade: {eq: $g}}, {not: {name: {startsWith: "Z"}}}]}) { totalCount } }',
        {},
    ),
    # A variable of an input object type inside a literal list.
    (
        "query($f: StudentFilter) { students(filter: {and: [$f, {grade: {isNull: false}}]}) "
        "{ totalCount } }",
        {"f": {"name": {"eq": "Ann"}}},
    ),
    (
        "query($f: StudentFilter) { students(filter: {and: [$f, {grade: {isNull: false}}]}) "
        "{ totalCount } }",
        {},
    ),
]


def _field(document: str) -> tuple[OperationDefinitionNode, FieldNode]:
    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    return operation, node


@pytest.mark.parametrize(("document", "given"), CASES)
def test_reads_what_graphql_core_reads(document: str, given: dict[str, Any]) -> None:
    operation, node = _field(document)
    variables = get_variable_values(SCHEMA, operation.variable_definitions or (), given)
    assert not isinstance(variables, list), variables
    field = SCHEMA.query_type.fields[node.name.value]  # type: ignore[union-attr]
    try:
        expected: Any = get_argument_values(field, node, variables)
    except GraphQLError:
        expected = GraphQLError
    read = reader(field, node)
    for _ in range(2):  # the second request sees what the first one left
        try:
            found: Any = read(variables)
        except GraphQLError:
            found = GraphQLError
        assert found == expected


def test_a_null_where_the_type_allows_none_is_refused() -> None:
    # ``in: [String!]``: a missing variable in it is not null, it is invalid.
    operation, node = _field(
        "query($a: String) { students(filter: {name: {in: [$a]}}) { totalCount } }"
    )
    variables = get_variable_values(SCHEMA, operation.variable_definitions or (), {"a": None})
    assert not isinstance(variables, list)
    field = SCHEMA.query_type.fields["students"]  # type: ignore[union-attr]
    with pytest.raises(GraphQLError):
        get_argument_values(field, node, variables)
    with pytest.raises(GraphQLError):
        reader(field, node)(variables)
