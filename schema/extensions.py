"""Per-operation bookkeeping: the request's session is closed, its cost counted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from schema.context import Context
from server.db import SqlStats, sql_stats

__all__ = ["RequestScope"]


class RequestScope(SchemaExtension):
    """Closes the request's session after the operation; reports its SQL cost.

    With ``CAMPUS_SQL_STATS=1`` each response carries ``extensions.sql`` with
    the statements run and rows fetched, counted as the test suite counts them.
    """

    _stats: SqlStats | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and context.is_connection:
            # Operations on one WebSocket run side by side and end on their own.
            context = self.execution_context.context = context.fresh()
        async with sql_stats() as stats:
            self._stats = stats
            try:
                yield
            finally:
                if isinstance(context, Context):
                    await context.close()

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if self._stats is None or not (isinstance(context, Context) and context.settings.sql_stats):
            return {}
        return {"sql": {"statements": self._stats.statements, "rows": self._stats.rows}}
