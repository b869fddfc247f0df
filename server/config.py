"""Settings, read once from the environment and passed to whatever needs them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./campus.db"
ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("plain", "json")
# Which query documents run from a prepared plan: none, those answered once before, all.
PREPARED_READS = ("off", "seen", "all")
# The parameter sets argon2-cffi ships (``argon2.profiles``), named as it names them.
PASSWORD_PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


class SettingsError(ValueError):
    """A setting in the environment has a value we cannot use."""


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if not value >= minimum:  # also refuses nan
        raise SettingsError(f"{name} must be at least {minimum:g}, not {value:g}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told, with safe defaults for local use."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = ()
    sql_stats: bool = False
    pool_size: int = 10
    default_page_size: int = 20
    max_page_size: int = 100
    token_ttl_seconds: int = 7 * 24 * 3600
    environment: str = "development"
    # A name from ``argon2.profiles``; the tests use the cheapest one.
    password_profile: str = "RFC_9106_LOW_MEMORY"
    login_max_failures: int = 10
    login_window_seconds: int = 60
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_nodes: int = 50_000
    # Values the answer can hold; bounds its size and the CPU it takes to build.
    max_cost: int = 40_000
    max_body_bytes: int = 1_048_576
    # On for local use; the production preset turns them off unless set explicitly.
    introspection: bool = True
    graphiql: bool = True
    suggestions: bool = True
    # A request still awaiting past this many seconds is cut off; 0 turns the limit off.
    request_timeout_seconds: float = 10.0
    # Subscriptions over WebSocket (SPEC §10).
    max_subscriptions: int = 20
    max_connections: int = 1_000
    connection_init_timeout_seconds: float = 10.0
    ping_seconds: float = 15.0
    subscription_queue: int = 100
    live_poll_seconds: float = 0.05
    # On SIGTERM, requests in flight get this long to finish before they are cancelled.
    shutdown_seconds: float = 30.0
    # Serve Prometheus metrics at /metrics; the production preset turns them off unless set.
    metrics: bool = True
    log_format: str = "plain"
    # OpenTelemetry spans (the otel extra), exported as the OTEL_* variables say.
    tracing: bool = False
    # Statements slower than this are logged (with their request's id); 0 logs none.
    slow_sql_ms: float = 500.0
    # Run only the documents of an imported manifest (SPEC §11).
    trusted_documents: bool = False
    # Documents clients register (automatic persisted queries) kept in the shared store.
    max_persisted_documents: int = 10_000
    # How long a shared cache may keep a persisted query's answer over GET; 0: revalidate.
    public_max_age: int = 0
    # Query documents answered from a plan made once (SPEC §3 "Prepared reads").
    prepared_reads: str = "seen"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        default_page_size = _int(env, "CAMPUS_DEFAULT_PAGE_SIZE", 20, minimum=1)
        max_page_size = _int(env, "CAMPUS_MAX_PAGE_SIZE", 100, minimum=1)
        if default_page_size > max_page_size:
            raise SettingsError("CAMPUS_DEFAULT_PAGE_SIZE may not exceed CAMPUS_MAX_PAGE_SIZE")
        environment = (env.get("CAMPUS_ENV") or "development").strip().lower()
        if environment not in ENVIRONMENTS:
            choices = ", ".join(ENVIRONMENTS)
            raise SettingsError(f"CAMPUS_ENV must be one of {choices}, not {environment!r}")
        password_profile = (env.get("CAMPUS_PASSWORD_PROFILE") or "RFC_9106_LOW_MEMORY").upper()
        if password_profile not in PASSWORD_PROFILES:
            raise SettingsError(
                f"CAMPUS_PASSWORD_PROFILE must be one of {', '.join(PASSWORD_PROFILES)},"
                f" not {password_profile!r}"
            )
        production = environment == "production"
        log_format = (env.get("CAMPUS_LOG_FORMAT") or "plain").strip().lower()
        if log_format not in LOG_FORMATS:
            choices = ", ".join(LOG_FORMATS)
            raise SettingsError(f"CAMPUS_LOG_FORMAT must be one of {choices}, not {log_format!r}")
        trusted_documents = _bool(env, "CAMPUS_TRUSTED_DOCUMENTS", False)
        prepared_reads = (env.get("CAMPUS_PREPARED_READS") or "seen").strip().lower()
        if prepared_reads not in PREPARED_READS:
            choices = ", ".join(PREPARED_READS)
            raise SettingsError(
                f"CAMPUS_PREPARED_READS must be one of {choices}, not {prepared_reads!r}"
            )
        # Both presets keep the schema to the server unless a setting says otherwise.
        closed = production or trusted_documents
        if production and password_profile == "CHEAPEST":
            raise SettingsError("CAMPUS_PASSWORD_PROFILE=CHEAPEST is for tests, not production")
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            secret_key=env.get("CAMPUS_SECRET_KEY") or None,
            log_level=(env.get("CAMPUS_LOG_LEVEL") or "INFO").upper(),
            cors_origins=_list(env, "CAMPUS_CORS_ORIGINS"),
            sql_stats=_bool(env, "CAMPUS_SQL_STATS", False),
            pool_size=_int(env, "CAMPUS_POOL_SIZE", 10, minimum=1),
            default_page_size=default_page_size,
            max_page_size=max_page_size,
            token_ttl_seconds=_int(env, "CAMPUS_TOKEN_TTL_SECONDS", 7 * 24 * 3600, minimum=60),
            environment=environment,
            password_profile=password_profile,
            login_max_failures=_int(env, "CAMPUS_LOGIN_MAX_FAILURES", 10, minimum=1),
            login_window_seconds=_int(env, "CAMPUS_LOGIN_WINDOW_SECONDS", 60, minimum=1),
            max_depth=_int(env, "CAMPUS_MAX_DEPTH", 15, minimum=1),
            max_aliases=_int(env, "CAMPUS_MAX_ALIASES", 30),
            max_tokens=_int(env, "CAMPUS_MAX_TOKENS", 5_000, minimum=1),
            max_nodes=_int(env, "CAMPUS_MAX_NODES", 50_000, minimum=1),
            max_cost=_int(env, "CAMPUS_MAX_COST", 40_000, minimum=1),
            max_body_bytes=_int(env, "CAMPUS_MAX_BODY_BYTES", 1_048_576, minimum=1),
            introspection=_bool(env, "CAMPUS_INTROSPECTION", not closed),
            graphiql=_bool(env, "CAMPUS_GRAPHIQL", not closed),
            suggestions=_bool(env, "CAMPUS_SUGGESTIONS", not production),
            request_timeout_seconds=_float(env, "CAMPUS_REQUEST_TIMEOUT_SECONDS", 10.0),
            max_subscriptions=_int(env, "CAMPUS_MAX_SUBSCRIPTIONS", 20, minimum=1),
            max_connections=_int(env, "CAMPUS_MAX_CONNECTIONS", 1_000, minimum=1),
            connection_init_timeout_seconds=_float(
                env, "CAMPUS_CONNECTION_INIT_TIMEOUT_SECONDS", 10.0, minimum=0.1
            ),
            ping_seconds=_float(env, "CAMPUS_PING_SECONDS", 15.0, minimum=0.1),
            subscription_queue=_int(env, "CAMPUS_SUBSCRIPTION_QUEUE", 100, minimum=1),
            live_poll_seconds=_float(env, "CAMPUS_LIVE_POLL_SECONDS", 0.05, minimum=0.001),
            shutdown_seconds=_float(env, "CAMPUS_SHUTDOWN_SECONDS", 30.0),
            metrics=_bool(env, "CAMPUS_METRICS", not production),
            log_format=log_format,
            tracing=_bool(env, "CAMPUS_TRACING", False),
            slow_sql_ms=_float(env, "CAMPUS_SLOW_SQL_MS", 500.0),
            trusted_documents=trusted_documents,
            max_persisted_documents=_int(env, "CAMPUS_PERSISTED_DOCUMENTS_MAX", 10_000),
            public_max_age=_int(env, "CAMPUS_PUBLIC_MAX_AGE", 0),
            prepared_reads=prepared_reads,
        )
