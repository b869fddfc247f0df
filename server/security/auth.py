"""Passwords and tokens (SPEC §5, §9).

Passwords are hashed with argon2 (bcrypt would silently ignore everything
past 72 bytes), in a worker thread so that a slow hash does not stall the
event loop. Tokens are JWTs signed with HS256; besides the user (``sub``)
they carry the user's token version (``ver``), which a password change bumps
so that every earlier token stops working.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from server.config import Settings
from server.security.secret_key import secret_key
from server.security.throttle import LoginThrottle

__all__ = ["Auth", "Claims", "Passwords", "TokenError", "Tokens"]

_ALGORITHM = "HS256"


class Passwords:
    """Hashing and checking passwords, off the event loop."""

    def __init__(self, profile: str) -> None:
        self._hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
        # Checked against when there is no real hash to check, so that an
        # unknown user costs as much time as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; None (no such user) takes as long and is False."""
        return await asyncio.to_thread(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than today's."""
        return self._hasher.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is not None:
            try:
                return self._hasher.verify(password_hash, password)
            except VerificationError:
                return False
            except InvalidHashError:
                pass  # e.g. a generated user's "no password" marker
        with contextlib.suppress(VerificationError):
            self._hasher.verify(self._dummy_hash, password)
        return False


@dataclass(frozen=True)
class Claims:
    """What a valid token says: who, and which token version it was issued under."""

    user_id: int
    version: int


class TokenError(Exception):
    """A token that proves nothing: malformed, tampered with, or expired."""


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl = dt.timedelta(seconds=ttl_seconds)

    def issue(self, user_id: int, version: int) -> str:
        now = dt.datetime.now(dt.UTC)
        claims = {"sub": str(user_id), "ver": version, "iat": now, "exp": now + self._ttl}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def read(self, token: str) -> Claims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": ["sub", "ver", "iat", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("The token has expired: sign in again.") from None
        except jwt.InvalidTokenError:
            raise TokenError("The token is not valid: sign in again.") from None
        sub, version = claims["sub"], claims["ver"]
        if not (isinstance(sub, str) and sub.isascii() and sub.isdigit()):
            raise TokenError("The token is not valid: sign in again.")
        if not isinstance(version, int) or isinstance(version, bool):
            raise TokenError("The token is not valid: sign in again.")
        return Claims(user_id=int(sub), version=version)


class Auth:
    """The process's passwords, tokens and log-in throttle, shared by its requests."""

    def __init__(self, settings: Settings) -> None:
        self.passwords = Passwords(settings.password_profile)
        self.tokens = Tokens(secret_key(settings), settings.token_ttl_seconds)
        self.throttle = LoginThrottle(settings.login_max_failures, settings.login_window_seconds)
