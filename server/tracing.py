"""OpenTelemetry traces (the ``otel`` extra): spans for requests, operations and statements.

Exported as the standard ``OTEL_*`` variables say (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_SERVICE_NAME``, …) unless the process already set a tracer provider,
as a test does with an in-memory exporter. The ASGI and SQLAlchemy
instrumentations make the request and statement spans; the operation span is
``schema.extensions.RequestScope``'s.
"""

from __future__ import annotations

import weakref
from typing import Any

from starlette.middleware import Middleware

from server.config import SettingsError
from server.db import Database

__all__ = ["middleware"]

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


def _exporting_provider() -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()  # its resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
