"""Expected failures of the services: what the client did wrong, not what broke."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["ErrorCode", "Problem", "ServiceError", "conflict", "forbidden", "invalid", "not_found"]

FieldPath = tuple[str, ...]


class ErrorCode(enum.Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request.

    ``field`` is the path to the argument at fault, named as the service
    function names its arguments (``("course_ids", "2")``), or None.
    """

    code: ErrorCode
    message: str
    field: FieldPath | None = None


class ServiceError(Exception):
    """The request cannot be honoured; the transaction it ran in must not commit."""

    def __init__(self, *problems: Problem) -> None:
        if not problems:
            raise ValueError("a ServiceError needs at least one problem")
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def not_found(what: str, field: FieldPath | None) -> ServiceError:
    return ServiceError(Problem(ErrorCode.NOT_FOUND, f"No {what} has this ID.", field))


def invalid(message: str, field: FieldPath | None = None) -> ServiceError:
    return ServiceError(Problem(ErrorCode.INVALID, message, field))


def conflict(message: str, field: FieldPath | None = None) -> ServiceError:
    return ServiceError(Problem(ErrorCode.CONFLICT, message, field))


def forbidden(message: str) -> ServiceError:
    return ServiceError(Problem(ErrorCode.FORBIDDEN, message))
