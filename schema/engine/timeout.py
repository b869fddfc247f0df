"""The request timeout (``CAMPUS_REQUEST_TIMEOUT_SECONDS``): past its time budget, it is cut off.

The budget covers execution, where a request waits: on the database, on a
lock, on a password hash. Database work the request was waiting for runs to
its end in the background (cancelling a statement mid-flight would cost its
connection), a write among it rolls back instead of committing (see
``schema.common.writing.write``), and the session closes when that work ends.
Building the answer never awaits, so the event loop cannot cut it off: the
executor asks ``past_budget`` once per list instead, and abandons the answer
once the budget is spent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.engine.runtime import Limits

__all__ = ["RequestTimeout", "RequestTimeoutError", "past_budget"]

logger = logging.getLogger(__name__)


class RequestTimeoutError(GraphQLError):
    """The request ran past its budget: ``TIMEOUT``, with the budget in seconds."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The request was stopped: it ran past its time budget of {seconds:g} s."
            " Changes it had not yet committed were rolled back.",
            extensions={"code": "TIMEOUT", "budgetSeconds": seconds},
        )


class RequestTimeout(SchemaExtension):
    """Cuts the operation off once it has run for the configured time."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        limits: Limits | None = getattr(context, "limits", None)
        if limits is None or not limits.request_timeout_seconds:
            yield
            return
        seconds = limits.request_timeout_seconds
        try:
            async with asyncio.timeout(seconds) as timeout:
                context.timeout = timeout
                yield
        except TimeoutError:
            logger.warning("Request cut off after its time budget of %g s", seconds)
            raise RequestTimeoutError(seconds) from None


def past_budget(context: Any) -> RequestTimeoutError | None:
    """The error to stop with when the request has run past its budget, by the clock.

    ``asyncio.Timeout`` fires only when the event loop gets a turn; this reads
    the loop's clock, so it also tells while the loop is kept busy.
    """
    timeout: asyncio.Timeout | None = getattr(context, "timeout", None)
    if timeout is None:
        return None
    deadline = timeout.when()
    if deadline is None or asyncio.get_running_loop().time() < deadline:
        return None
    seconds = context.limits.request_timeout_seconds
    logger.warning("Request cut off while building its answer, past its budget of %g s", seconds)
    return RequestTimeoutError(seconds)
