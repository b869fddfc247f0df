"""Request ids: taken from the client's ``X-Request-ID`` when sane, made otherwise.

The id is set on every response and kept in a context variable for the
request's duration, so that log lines and masked errors can name it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HEADER", "RequestIdMiddleware", "current_request_id"]

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "campus_request_id", default=None
)
logger = logging.getLogger(__name__)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return _request_id.get()


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

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = _request_id.set(request_id)
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
            _request_id.reset(token)
