"""Request ids: taken from the client's ``X-Request-ID`` when sane, made otherwise.

The id is set on every response and kept in a context variable for the
request's duration, so that log lines and masked errors can name it. When the
response is sent, one line sums the request up: its path (never its query
string, which may hold variables), status, duration, and the GraphQL
operation's name and SQL cost, filled in by the schema as it runs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "HEADER",
    "RequestIdMiddleware",
    "RequestSummary",
    "current_request",
    "current_request_id",
]

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")


@dataclass
class RequestSummary:
    """What the request's summary line says; mutable, so that work in other tasks can fill it."""

    request_id: str
    operation: str | None = None
    statements: int | None = None
    rows: int | None = None


_request: contextvars.ContextVar[RequestSummary | None] = contextvars.ContextVar(
    "campus_request", default=None
)
logger = logging.getLogger(__name__)
access_logger = logging.getLogger("campus.access")


def current_request() -> RequestSummary | None:
    """The request being handled, if any."""
    return _request.get()


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    request = _request.get()
    return None if request is None else request.request_id


class RequestIdMiddleware:
    """The outermost layer of the app: every response, even a crash's, carries the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = Headers(scope=scope).get(HEADER)
        request_id = offered if offered and _SANE.fullmatch(offered) else uuid.uuid4().hex
        started = False
        status = 500
        begun = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        summary = RequestSummary(request_id)
        token = _request.set(summary)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Logged here, inside the request's context, rather than by the
            # server outside it, so that the traceback names the request.
            logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if not started:
                response = PlainTextResponse("Internal Server Error", status_code=500)
                await response(scope, receive, send_with_id)
        finally:
            _log_summary(scope, summary, status, time.perf_counter() - begun)
            _request.reset(token)


def _log_summary(scope: Scope, summary: RequestSummary, status: int, seconds: float) -> None:
    duration_ms = round(seconds * 1000, 1)
    cost = "" if summary.statements is None else f", {summary.statements} statements"
    rows = "" if summary.rows is None else f", {summary.rows} rows"
    access_logger.info(
        "%s %s %d in %.1f ms%s%s",
        scope["method"],
        scope["path"],
        status,
        duration_ms,
        cost,
        rows,
        extra={
            "status": status,
            "duration_ms": duration_ms,
            "statements": summary.statements,
            "rows": summary.rows,
        },
    )
