"""The work a request does in the database, counted, never timed (SPEC §3 work budget).

On SQLite the virtual machine steps of the request (the progress handler of
the very connection the app reads on), on PostgreSQL the rows every plan node
produced, from ``EXPLAIN (ANALYZE)`` of each statement the request ran.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from tests.support import GraphQLClient

__all__ = ["Statements", "work"]


class Statements:
    """The statements the engine runs, with their parameters, control statements aside."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.seen.append((statement, parameters))


def _plan_rows(plan: dict[str, Any]) -> int:
    own = int(plan["Actual Rows"] * plan["Actual Loops"])
    return own + sum(_plan_rows(child) for child in plan.get("Plans", []))


async def work(
    client: GraphQLClient,
    connection: AsyncConnection,
    statements: Statements,
    query: str,
    variables: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """The request's work, and its data."""
    if connection.dialect.name == "sqlite":
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0  # go on

        await client.query(query, variables)  # prepared statements aside
        await raw.set_progress_handler(step, 1)
        try:
            data = await client.query(query, variables)
        finally:
            await raw.set_progress_handler(None, 1)
        return steps[0], data
    statements.seen.clear()
    data = await client.query(query, variables)
    rows = 0
    for statement, parameters in list(statements.seen):
        explained = await connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        )
        [[root]] = explained.all()
        rows += _plan_rows((json.loads(root) if isinstance(root, str) else root)[0]["Plan"])
    return rows, data
