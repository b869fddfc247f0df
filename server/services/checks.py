"""Checks of input values against the limits of the data model, before any write."""

from __future__ import annotations

import enum
import re

from server.services.errors import ErrorCode, Problem, ServiceError

__all__ = ["KEEP", "Checks", "Keep", "normalize_username"]

_USERNAME = re.compile(r"[a-z0-9_]{3,32}")
PASSWORD_LENGTH = (8, 128)
# C0 and C1 control characters. PostgreSQL cannot store NUL at all, and
# SQLite's length() stops at it, so no text holds one; a one-line text holds
# no control character, a multi-line one only tabs and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Keep(enum.Enum):
    """The value of an update argument that was left out: the field stays as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def normalize_username(value: str) -> str:
    """Usernames are compared lowercased, on sign-up and log-in alike."""
    return value.lower()


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


class Checks:
    """Collects everything wrong with a request's values, so all of it is reported at once."""

    def __init__(self) -> None:
        self._problems: list[Problem] = []

    def text(
        self, value: str | None, field: str, *, maximum: int | None, multiline: bool = False
    ) -> str:
        """A required text: neither null nor blank, at most ``maximum`` characters.

        It is one line unless ``multiline``: see ``characters``.
        """
        if value is None:
            self._fail(f"{_label(field)} may not be null.", field)
            return ""
        if self.characters(value, field, multiline=multiline):
            self._length(value, field, maximum)
        return value

    def optional_text(self, value: str | None, field: str, *, maximum: int) -> str | None:
        """A nullable one-line text: null, or not blank and at most ``maximum`` characters."""
        if value is not None and self.characters(value, field):
            self._length(value, field, maximum, hint=" (null clears it)")
        return value

    def characters(self, value: str, field: str, *, multiline: bool = False) -> bool:
        """Whether ``value`` holds no control character, but tabs and line breaks if ``multiline``.

        NUL is refused in every text, of any length.
        """
        found = (_CONTROL_IN_LINES if multiline else _CONTROL).search(value)
        if found is None:
            return True
        label, code = _label(field), ord(found.group())
        if code == 0:
            self._fail(f"{label} may not contain the NUL character (U+0000).", field)
        elif multiline:
            self._fail(
                f"{label} may contain tabs and line breaks, but no other control characters:"
                f" found U+{code:04X}.",
                field,
            )
        else:
            self._fail(
                f"{label} must be one line, without control characters such as line breaks"
                f" or tabs: found U+{code:04X}.",
                field,
            )
        return False

    def username(self, value: str, field: str = "username") -> str:
        username = normalize_username(value)
        if not (username.isascii() and _USERNAME.fullmatch(username)):
            self._fail(
                "A username has 3 to 32 characters: letters a-z, digits and underscores.", field
            )
        return username

    def password(self, value: str, field: str = "password") -> str:
        shortest, longest = PASSWORD_LENGTH
        if not shortest <= len(value) <= longest:
            self._fail(f"{_label(field)} must have {shortest} to {longest} characters.", field)
        return value

    def done(self) -> None:
        """Raise everything found so far."""
        if self._problems:
            raise ServiceError(*self._problems)

    def _length(self, value: str, field: str, maximum: int | None, hint: str = "") -> None:
        # len() counts code points, as the CHECKs' length() does on both back
        # ends for a text without NUL: an emoji is one character everywhere.
        if not value.strip():
            self._fail(f"{_label(field)} may not be empty{hint}.", field)
        elif maximum is not None and len(value) > maximum:
            self._fail(f"{_label(field)} may have at most {maximum} characters.", field)

    def _fail(self, message: str, field: str) -> None:
        self._problems.append(Problem(ErrorCode.INVALID, message, (field,)))
