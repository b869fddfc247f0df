"""The key that signs tokens (SPEC §5).

It comes from ``CAMPUS_SECRET_KEY``. Only for a local SQLite database, and
only outside production, may it be generated instead: ``campus serve`` does
that once, before any worker starts, into a file beside the database that
only its owner may read, and every worker reads it from there.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from server.config import Settings, SettingsError

__all__ = ["KEY_FILE_NAME", "ensure_secret_key", "key_file", "secret_key"]

KEY_FILE_NAME = ".campus-secret-key"
MIN_KEY_LENGTH = 32  # bytes: HS256 wants a key at least as long as its hash (RFC 7518)

_HOW = (
    "set CAMPUS_SECRET_KEY to a long random string, e.g. the output of"
    " `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
)


def key_file(settings: Settings) -> Path | None:
    """Where a generated key is kept: beside a local SQLite file; None where none may be."""
    if settings.is_production or not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).resolve().parent / KEY_FILE_NAME


def ensure_secret_key(settings: Settings) -> Path | None:
    """Make sure ``secret_key`` will find a key; the file generated, if one was.

    Run it once before the workers start: they only read the file.
    """
    if settings.secret_key is not None:
        _check(settings.secret_key, "CAMPUS_SECRET_KEY")
        return None
    path = _required_key_file(settings)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret_key(settings)  # an unusable file is an error now, not in every worker
        return None
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return path


def secret_key(settings: Settings) -> str:
    """The signing key: ``CAMPUS_SECRET_KEY``, or the one generated beside the database."""
    if settings.secret_key is not None:
        return _check(settings.secret_key, "CAMPUS_SECRET_KEY")
    path = _required_key_file(settings)
    try:
        mode = path.stat().st_mode
        key = path.read_text().strip()
    except FileNotFoundError:
        raise SettingsError(
            f"no secret key: `campus serve` generates {path} for a local SQLite database, or {_HOW}"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SettingsError(f"{path} may be readable by others: `chmod 600 {path}` or delete it")
    return _check(key, str(path))


def _required_key_file(settings: Settings) -> Path:
    path = key_file(settings)
    if path is None:
        where = "in production" if settings.is_production else "with this database"
        raise SettingsError(f"CAMPUS_SECRET_KEY is required {where}: {_HOW}")
    return path


def _check(key: str, source: str) -> str:
    if len(key.encode()) < MIN_KEY_LENGTH:
        raise SettingsError(f"the secret key from {source} is shorter than {MIN_KEY_LENGTH} bytes")
    return key
