"""Per-operation bookkeeping: the request's session is closed, its cost counted and measured."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import nullcontext
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.common.context import Context
from server.db.engine import SqlStats, sql_stats
from server.observability.request_id import current_request
from server.observability.tracing import OperationSpan, operation_span

__all__ = ["RequestScope"]

_LOGGED_NAME = 100  # characters of an operation's name kept in the log


class RequestScope(SchemaExtension):
    """Closes the request's session after the operation; reports its SQL cost.

    With ``CAMPUS_SQL_STATS=1`` each response carries ``extensions.sql`` with
    the statements run and rows fetched, counted as the test suite counts them.
    """

    _stats: SqlStats | None = None
    _started = 0.0
    _span: OperationSpan | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and context.is_connection:
            # Operations on one WebSocket run side by side and end on their own.
            context = self.execution_context.context = context.fresh()
        self._started = time.perf_counter()
        traced = isinstance(context, Context) and context.settings.tracing
        with operation_span() if traced else nullcontext() as self._span:
            async with sql_stats() as stats:
                self._stats = stats
                try:
                    yield
                finally:
                    if isinstance(context, Context):
                        await context.close()
                    if self._span is not None:  # named while it is open: it ends with this block
                        self._span.name(self._name(), stats.statements, stats.rows)

    def on_execute(self) -> Iterator[None]:
        # Named from here on, so that the request's log lines during execution carry it.
        self._describe()
        yield

    def _describe(self, stats: SqlStats | None = None) -> None:
        """Fill in the request's summary line: the operation's name and its SQL cost."""
        summary = current_request()
        if summary is None:
            return
        summary.operation = self._name()
        if stats is not None:
            summary.statements, summary.rows = stats.statements, stats.rows

    def _name(self) -> str | None:
        return (self.execution_context.operation_name or "")[:_LOGGED_NAME] or None

    def _measure(self, stats: SqlStats) -> None:
        # Imported here: prometheus_client must first see the multiprocess directory.
        from server.observability.metrics import metrics

        execution = self.execution_context
        try:
            operation_type = execution.operation_type.value
        except (GraphQLError, RuntimeError):  # a document that did not parse names none
            operation_type = "unknown"
        metrics().observe(
            operation_type=operation_type,
            operation_name=execution.operation_name,
            seconds=time.perf_counter() - self._started,
            statements=stats.statements,
            rows=stats.rows,
            errors=[error.extensions or {} for error in execution.pre_execution_errors or []],
        )

    def get_results(self) -> dict[str, Any]:
        # Called once per operation, however it ended (even by a limit raised
        # before execution), with its errors known: where it is measured.
        context = self.execution_context.context
        if self._stats is not None:
            self._describe(self._stats)
            if isinstance(context, Context) and context.settings.metrics:
                self._measure(self._stats)
        if self._stats is None or not (isinstance(context, Context) and context.settings.sql_stats):
            return {}
        return {"sql": {"statements": self._stats.statements, "rows": self._stats.rows}}
