"""Logging set-up: one format for our lines and the server's, each naming its request.

Two formats: plain text, or one JSON object per line (``CAMPUS_LOG_FORMAT=json``)
for a log collector. Either way a line carries the request id and the GraphQL
operation's name; a request's summary line adds its status, duration and SQL
cost. Nothing logs a variable's value, a token or a password: the summary
names the path only, and slow statements are logged without their parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from server.observability.request_id import current_request

__all__ = ["JsonFormatter", "RequestIdFilter", "logging_config"]

FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(request_id)s %(operation)s] %(message)s"
# Set on a request's summary line (``server.observability.request_id``), carried as JSON fields.
_SUMMARY_FIELDS = ("status", "duration_ms", "statements", "rows")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` and ``operation`` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request()
        record.request_id = request.request_id if request else "-"
        record.operation = (request.operation if request else None) or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "operation": getattr(record, "operation", "-"),
        }
        for field in _SUMMARY_FIELDS:
            if getattr(record, field, None) is not None:
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def logging_config(level: str, log_format: str = "plain") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server process, uvicorn's loggers included."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json" else {"format": FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
