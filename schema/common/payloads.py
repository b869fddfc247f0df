"""What mutations answer: user errors, and the deletion every domain shares."""

from __future__ import annotations

import enum

import strawberry

__all__ = ["DeleteInput", "DeletePayload", "UserError", "UserErrorCode"]


@strawberry.enum
class UserErrorCode(enum.Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description="An ID named in the input does not exist (or is of the wrong type).",
    )
    INVALID = strawberry.enum_value(
        "INVALID", description="A value is out of range, empty, too long or malformed."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description=(
            "The change would break a uniqueness rule (e.g. a username or course code taken)."
        ),
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="The viewer may not make this change."
    )


@strawberry.type(description="An expected, user-facing failure of a mutation. Nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description=(
            'Path to the input field at fault, e.g. ["input", "code"] or'
            ' ["input", "courseIds", "2"]; null when no one field is at fault.'
        )
    )
    message: str
    code: UserErrorCode


@strawberry.input
class DeleteInput:
    id: strawberry.ID


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID that was deleted, or null when nothing was."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)
