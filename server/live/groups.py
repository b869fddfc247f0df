"""Subscriptions served in groups: the document's operation type, a group's key, its one run."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Hashable
from typing import Any, Protocol

import orjson
from graphql import GraphQLError, get_operation_ast, parse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from server.config import Settings
from server.live.fanout import Ended, Group, Opening, opening
from server.live.hub import Hub

__all__ = ["SocketContext", "group_key", "operation_type", "serve_group"]

logger = logging.getLogger(__name__)


class SocketContext(Protocol):
    """What a socket's operations use of their context (the request's context is one)."""

    settings: Settings
    hub: Hub | None
    # Closes the socket (code, reason); a group's run closes all its members'.
    close_socket: Callable[[int, str], None] | None

    def fresh(self) -> SocketContext:
        """A context of its own for one operation."""
        ...


# Documents longer than this are parsed again each time they are seen.
_KEPT_DOCUMENT_LENGTH = 20_000


@functools.lru_cache(maxsize=256)
def _kept_operation_type(query: str, operation_name: str | None) -> str | None:
    return _parsed_operation_type(query, operation_name)


def operation_type(query: str, operation_name: str | None) -> str | None:
    """ "query", "mutation" or "subscription"; None when the document does not say (an error)."""
    if len(query) <= _KEPT_DOCUMENT_LENGTH:
        return _kept_operation_type(query, operation_name)
    return _parsed_operation_type(query, operation_name)


def _parsed_operation_type(query: str, operation_name: str | None) -> str | None:
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return None
    return None if operation is None else operation.operation.value


def group_key(operation: Operation[Any, None], audience: Hashable) -> Hashable:
    """What makes two subscriptions' messages the same: document, variables, audience."""
    variables = orjson.dumps(operation.variables or {}, option=orjson.OPT_SORT_KEYS).decode()
    return (operation.query, operation.operation_name, variables, audience)


async def serve_group(
    schema: Any, context: SocketContext, operation: Operation[Any, None], group: Group
) -> None:
    """The group's one run of the subscription: each result encoded once, for every member.

    On a context of its own, which outlives the socket that started it; its
    source falling behind closes every member's connection.
    """
    context.close_socket = group.close_all
    opening.set(Opening(probe=False, listening=group.ready.set))
    ended = Ended()
    try:
        results = await schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
        )
        async with aclosing(results):
            async for result in results:
                if isinstance(result, PreExecutionError) or not isinstance(result, ExecutionResult):
                    # Refused now, though the member's own checks passed (a row deleted since).
                    ended = Ended([e.formatted for e in getattr(result, "errors", None) or []])
                    break
                group.broadcast(orjson.dumps(_payload(result)).decode())
    except Exception:
        logger.exception("A subscription's shared run failed")
        ended = Ended([{"message": "Internal server error"}])
    finally:
        group.end(ended)


def _payload(result: ExecutionResult) -> dict[str, Any]:
    """The payload of a `next` message, as Strawberry's handler writes it."""
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload
