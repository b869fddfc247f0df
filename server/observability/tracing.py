"""OpenTelemetry traces (the ``otel`` extra): spans for requests, operations and statements.

Exported as the standard ``OTEL_*`` variables say (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_SERVICE_NAME``, …) unless the process already set a tracer provider,
as a test does with an in-memory exporter. The ASGI and SQLAlchemy
instrumentations make the request and statement spans; the operation span
(``operation_span``) is opened by whichever way answers the operation.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.middleware import Middleware

from server.config import SettingsError
from server.db.engine import Database

__all__ = ["OperationSpan", "middleware", "operation_span"]

_instrumented: weakref.WeakSet[object] = weakref.WeakSet()


def middleware(database: Database) -> Middleware:
    """The request span's middleware; the database's statements traced from now on."""
    try:
        from opentelemetry import trace
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError as error:
        raise SettingsError(
            "CAMPUS_TRACING=1 needs the otel extra: pip install -e '.[otel]'"
        ) from error
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(_exporting_provider())
    engine = database.engine.sync_engine
    if engine not in _instrumented:  # one listener per engine, however many apps share it
        _instrumented.add(engine)
        # The instrumentor is a singleton that instruments once: to add an
        # engine (one per process when served, more in a test run), start over.
        instrumentor = SQLAlchemyInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
        # Its version check stops at SQLAlchemy 2.0; the event API it uses is 2.1's too.
        instrumentor.instrument(engines=list(_instrumented), skip_dep_check=True)
    return Middleware(OpenTelemetryMiddleware)


class OperationSpan:
    """The open span of one GraphQL operation, named once the operation is known."""

    def __init__(self, span: Any) -> None:
        self._span = span

    def name(self, operation: str | None, statements: int, rows: int) -> None:
        self._span.update_name(f"GraphQL {operation or 'anonymous'}")
        self._span.set_attribute("graphql.operation.name", operation or "")
        self._span.set_attribute("db.statements", statements)
        self._span.set_attribute("db.rows", rows)


@contextmanager
def operation_span() -> Iterator[OperationSpan]:
    """A span around one GraphQL operation, in the request's trace."""
    from opentelemetry import trace

    with trace.get_tracer("campus").start_as_current_span("GraphQL operation") as span:
        yield OperationSpan(span)


def _exporting_provider() -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()  # its resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
