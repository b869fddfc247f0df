"""Errors the client sees: deliberate ones with a machine-readable code, the rest masked.

A deliberate error is one we raise on purpose (``BAD_USER_INPUT``,
``UNAUTHENTICATED``) or one the GraphQL machinery reports about the request
itself (syntax, validation, variables); its message is meant for the client.
Anything else is a bug or an outage: the client gets a generic message and
the request id, the log gets the traceback.
"""

from __future__ import annotations

import logging
import re

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.engine.errors import BadUserInputError
from server.observability.request_id import current_request_id

__all__ = [
    "BadUserInputError",
    "DatabaseUnavailableError",
    "Schema",
    "UnauthenticatedError",
    "mask",
]

logger = logging.getLogger(__name__)

MASKED_MESSAGE = "Internal server error"
# graphql-core's hint naming fields, arguments, types or enum values of the schema;
# the names it quotes cannot contain "?".
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class UnauthenticatedError(GraphQLError):
    """A protected field asked for without a valid token: ``UNAUTHENTICATED``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


class DatabaseUnavailableError(GraphQLError):
    """A change whose database connection was lost: ``DATABASE_UNAVAILABLE``, safe to retry."""

    def __init__(self) -> None:
        super().__init__(
            "The connection to the database was lost while this change ran: it was not"
            " completed. Send it again.",
            extensions={"code": "DATABASE_UNAVAILABLE", "retryable": True},
        )


def is_unexpected(error: GraphQLError) -> bool:
    """Whether an error was not raised on purpose and must not reach the client as it is."""
    if error.original_error is None:
        # Errors about the document come without a path; one with a path
        # comes from executing the schema (a null for a non-null field): a bug.
        return error.path is not None
    return not isinstance(error.original_error, GraphQLError)


def mask(error: GraphQLError, *, hide_suggestions: bool = False) -> GraphQLError:
    """The error as the client may see it, without "Did you mean …?" if told so."""
    if not is_unexpected(error):
        return _without_suggestions(error) if hide_suggestions else error
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": current_request_id()},
    )


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class Schema(strawberry.Schema):
    """Logs what went wrong unexpectedly, with its traceback; deliberate errors are not logged."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error):
                where = ".".join(map(str, error.path or ())) or "the operation"
                cause = error.original_error
                logger.error("Unexpected error in %s: %s", where, error.message, exc_info=cause)
