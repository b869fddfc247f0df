"""The errors the engine answers a request with: its arguments cannot be served."""

from __future__ import annotations

from graphql import GraphQLError

__all__ = ["BadUserInputError"]


class BadUserInputError(GraphQLError):
    """Arguments that cannot be served (page sizes, cursors): ``BAD_USER_INPUT``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})
