"""Traces: one request gives one trace, request → GraphQL operation → each SQL statement.

The spans are kept by OpenTelemetry's in-memory exporter, set as the
process's tracer provider before the app is built (so the app keeps it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import Settings
from server.db.engine import Database
from tests.rows import add_course, add_student
from tests.support import GraphQLClient, StatementCounter, serve, serve_own

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def provider() -> None:
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(tracer_provider)


@pytest.fixture
def spans(provider: None) -> Iterator[InMemorySpanExporter]:
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


async def test_one_request_is_one_trace_of_operation_and_statements(
    settings: Settings,
    database: Database,
    connection: AsyncConnection,
    spans: InMemorySpanExporter,
    counter: StatementCounter,
) -> None:
    await add_course(connection, "C1")
    await add_student(connection, "Sam")
    async with serve(replace(settings, tracing=True), database) as http:
        spans.clear()
        counter.statements.clear()
        statements, _ = await GraphQLClient(http).cost(
            "query Both { courses { nodes { code } } students { nodes { name } } }"
        )
    finished = spans.get_finished_spans()
    assert {span.context.trace_id for span in finished} == {finished[0].context.trace_id}
    [request] = [span for span in finished if span.parent is None]
    assert request.name.startswith("POST")
    [operation] = [span for span in finished if span.name == "GraphQL Both"]
    assert operation.parent is not None
    assert operation.parent.span_id == request.context.span_id
    assert operation.attributes is not None
    # One statement per root list; a prepared read is one statement in all.
    assert operation.attributes["db.statements"] == statements
    assert statements == (1 if settings.prepared_reads == "all" else 2)
    sql = [span for span in finished if span.attributes and "db.statement" in span.attributes]
    counted = [
        span
        for span in sql
        if not str(span.attributes["db.statement"]).lstrip().upper().startswith(counter.CONTROL)  # type: ignore[index]
    ]
    assert len(counted) == len(counter.statements) == statements
    assert all(
        span.parent is not None and span.parent.span_id == operation.context.span_id for span in sql
    )


async def test_no_spans_unless_tracing_is_on(
    settings: Settings, own_database_url: str, spans: InMemorySpanExporter
) -> None:
    # An engine of its own: the shared one was instrumented by the test above.
    async with serve_own(replace(settings, database_url=own_database_url)) as app:
        await app.client.query("{ courses { nodes { code } } }")
    # The SQLAlchemy instrumentation, once on, wraps every engine's connect():
    # that span aside, nothing of the request, its operation or statements.
    assert [span.name for span in spans.get_finished_spans() if span.name != "connect"] == []
