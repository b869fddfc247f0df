"""Errors the client sees: GraphQL errors with a machine-readable code."""

from __future__ import annotations

from graphql import GraphQLError

__all__ = ["BadUserInputError", "UnauthenticatedError"]


class BadUserInputError(GraphQLError):
    """Arguments that cannot be served (page sizes, cursors): ``BAD_USER_INPUT``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


class UnauthenticatedError(GraphQLError):
    """A protected field asked for without a valid token: ``UNAUTHENTICATED``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})
