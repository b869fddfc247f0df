"""What the API tells about its own schema: introspection, GraphiQL, "Did you mean …?".

Each is on for local use and can be switched off; the production preset
switches all three off unless a setting says otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from server.config import Settings
from server.db.engine import Database
from tests.support import GraphQLClient, serve

INTROSPECTION = '{ __schema { queryType { name } } __type(name: "Student") { name } }'
REFUSED = "GraphQL introspection has been disabled, but the requested query contained the field"
HTML = {"Accept": "text/html"}
COUNT = {"query": "{ __typename students { totalCount } }"}
COUNTED = {"__typename": "Query", "students": {"totalCount": 0}}
ORDERED = "query ($order: [StudentOrder!]) { students(orderBy: $order) { totalCount } }"
MISSPELT: dict[str, tuple[str, dict[str, Any] | None, str]] = {
    "field": ("{ studens { totalCount } }", None, "Cannot query field 'studens' on type 'Query'."),
    "argument": (
        "{ students(frist: 1) { totalCount } }",
        None,
        "Unknown argument 'frist' on field 'Query.students'.",
    ),
    "enum value": (
        "{ students(orderBy: [{field: NAM}]) { totalCount } }",
        None,
        "Value 'NAM' does not exist in 'StudentOrderField' enum.",
    ),
    "enum value of a variable": (
        ORDERED,
        {"order": [{"field": "NAM"}]},
        "Variable '$order' has invalid value at [0].field:"
        " Value 'NAM' does not exist in 'StudentOrderField' enum.",
    ),
    "type": (
        ORDERED.replace("StudentOrder!", "StudentOrdr!"),
        None,
        "Unknown type 'StudentOrdr'.",
    ),
}


def _switches(settings: Settings) -> tuple[bool, bool, bool]:
    return settings.introspection, settings.graphiql, settings.suggestions


async def test_introspection_is_on_unless_switched_off(
    client: GraphQLClient, settings: Settings, database: Database
) -> None:
    answered = await client.query(INTROSPECTION)
    assert answered == {"__schema": {"queryType": {"name": "Query"}}, "__type": {"name": "Student"}}

    async with serve(replace(settings, introspection=False), database) as http:
        refused = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
        typename = (await http.post("/graphql", json=COUNT)).json()

    assert refused["data"] is None
    messages = [error["message"] for error in refused["errors"]]
    assert messages == [f"{REFUSED} '{field}'." for field in ("__schema", "queryType", "__type")]
    assert refused["extensions"]["sql"]["statements"] == 0
    assert typename == {"data": COUNTED, "extensions": typename["extensions"]}


async def test_apps_with_other_settings_keep_their_own_switches(
    client: GraphQLClient, settings: Settings, database: Database
) -> None:
    closed = replace(settings, introspection=False, suggestions=False)
    async with serve(closed, database) as http:
        for _ in range(2):
            refused = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
            assert refused["data"] is None
            answered = await client.query(INTROSPECTION)
            assert answered["__type"] == {"name": "Student"}
            [hint] = (await client.execute("{ studens { totalCount } }"))["errors"]
            assert "Did you mean 'students'?" in hint["message"]


async def test_graphiql_is_served_unless_switched_off(
    client: GraphQLClient, settings: Settings, database: Database
) -> None:
    page = await client.http.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "graphiql" in page.text.lower()

    async with serve(replace(settings, graphiql=False), database) as http:
        missing = await http.get("/graphql", headers=HTML)
        queried = await http.get("/graphql", params=COUNT)

    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"message": "Not Found"}]}
    assert queried.json()["data"] == COUNTED


@pytest.mark.parametrize(("query", "variables", "message"), MISSPELT.values(), ids=MISSPELT.keys())
async def test_suggestions_are_given_unless_switched_off(
    client: GraphQLClient,
    settings: Settings,
    database: Database,
    query: str,
    variables: dict[str, Any] | None,
    message: str,
) -> None:
    [shown] = (await client.execute(query, variables))["errors"]
    assert shown["message"].startswith(f"{message} Did you mean ")

    async with serve(replace(settings, suggestions=False), database) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables})

    [hidden] = response.json()["errors"]
    assert hidden["message"] == message
    assert hidden["locations"] == shown["locations"]


def test_the_production_preset_switches_all_off_unless_a_setting_says_otherwise() -> None:
    assert _switches(Settings()) == (True, True, True)
    assert _switches(Settings.from_env({})) == (True, True, True)
    assert _switches(Settings.from_env({"CAMPUS_ENV": "production"})) == (False, False, False)

    explicit = {"CAMPUS_INTROSPECTION": "on", "CAMPUS_GRAPHIQL": "true", "CAMPUS_SUGGESTIONS": "0"}
    assert _switches(Settings.from_env({"CAMPUS_ENV": "production", **explicit})) == (
        True,
        True,
        False,
    )
    assert _switches(Settings.from_env({"CAMPUS_INTROSPECTION": "off"})) == (False, True, True)


async def test_a_production_app_keeps_its_schema_to_itself(
    settings: Settings, database: Database
) -> None:
    production = Settings.from_env(
        {
            "CAMPUS_ENV": "production",
            "DATABASE_URL": settings.database_url,
            "CAMPUS_SECRET_KEY": settings.secret_key or "",
        }
    )
    async with serve(production, database) as http:
        introspection = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
        page = await http.get("/graphql", headers=HTML)
        misspelt = (await http.post("/graphql", json={"query": "{ studens { id } }"})).json()
        counted = (await http.post("/graphql", json=COUNT)).json()

    assert introspection["errors"][0]["message"].startswith(REFUSED)
    assert page.status_code == 404
    assert misspelt["errors"][0]["message"] == "Cannot query field 'studens' on type 'Query'."
    assert counted == {"data": COUNTED}
