"""The token signing key: from the environment, or generated once for local SQLite only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from server.config import Settings, SettingsError
from server.security.secret_key import KEY_FILE_NAME, ensure_secret_key, secret_key

KEY = "k" * 40


def _sqlite(tmp_path: Path, secret: str | None = None) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/campus.db", secret_key=secret)


def test_the_environments_key_wins(tmp_path: Path) -> None:
    settings = _sqlite(tmp_path, KEY)

    assert ensure_secret_key(settings) is None
    assert secret_key(settings) == KEY
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_local_sqlite_generates_a_key_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = _sqlite(tmp_path)

    with pytest.raises(SettingsError, match="campus serve"):
        secret_key(settings)
    created = ensure_secret_key(settings)
    key = secret_key(settings)

    assert created == tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert ensure_secret_key(settings) is None
    assert secret_key(settings) == key


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    settings = _sqlite(tmp_path)
    path = ensure_secret_key(settings)
    assert path is not None
    path.chmod(0o644)

    with pytest.raises(SettingsError, match="readable by others"):
        secret_key(settings)


@pytest.mark.parametrize(
    "settings",
    [
        Settings(database_url="postgresql+asyncpg://db/campus"),
        Settings(database_url="sqlite+aiosqlite:///:memory:"),
        Settings(environment="production"),
    ],
    ids=["postgresql", "in-memory", "production"],
)
def test_elsewhere_the_key_is_required(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="CAMPUS_SECRET_KEY is required"):
        ensure_secret_key(settings)
    with pytest.raises(SettingsError, match="CAMPUS_SECRET_KEY is required"):
        secret_key(settings)


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="shorter than 32 bytes"):
        secret_key(_sqlite(tmp_path, "short"))


def test_settings_for_auth_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "CAMPUS_ENV": "production",
            "CAMPUS_LOGIN_MAX_FAILURES": "3",
            "CAMPUS_LOGIN_WINDOW_SECONDS": "30",
            "CAMPUS_PASSWORD_PROFILE": "rfc_9106_high_memory",
        }
    )

    assert settings.is_production
    assert (settings.login_max_failures, settings.login_window_seconds) == (3, 30)
    assert settings.password_profile == "RFC_9106_HIGH_MEMORY"
    for env, message in [
        ({"CAMPUS_ENV": "staging"}, "CAMPUS_ENV"),
        ({"CAMPUS_PASSWORD_PROFILE": "fast"}, "CAMPUS_PASSWORD_PROFILE"),
        ({"CAMPUS_ENV": "production", "CAMPUS_PASSWORD_PROFILE": "CHEAPEST"}, "tests"),
    ]:
        with pytest.raises(SettingsError, match=message):
            Settings.from_env(env)
