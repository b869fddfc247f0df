"""The test stack: a real, migrated database per back end, the app over httpx.

Every test runs inside one transaction of its own that is rolled back at the
end (the app's sessions join it through savepoints), on SQLite always and on
PostgreSQL whenever one is reachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from server.config import Settings
from server.db.engine import Database
from server.db.migrate import upgrade
from tests.people import People, add_people
from tests.support import App, GraphQLClient, StatementCounter, serve, serve_own

POSTGRES_ADMIN_URL = os.environ.get(
    "CAMPUS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("CAMPUS_TEST_REQUIRE_POSTGRES") == "1"


async def _create_postgres_database() -> str:
    """A fresh, empty PostgreSQL database for this run; its URL."""
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"campus_test_{uuid.uuid4().hex[:10]}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure to connect means: not reachable
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({type(error).__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message + "; set CAMPUS_TEST_POSTGRES_URL to run these tests")
    finally:
        await admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(url: str) -> None:
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated, empty database of each back end, shared by the session."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "campus.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = await _create_postgres_database()
    database = Database(Settings(database_url=url))
    await upgrade(database)
    await database.dispose()
    yield url
    if request.param == "postgresql":
        await _drop_postgres_database(url)


@pytest.fixture(scope="session")
def base_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sql_stats=True,
        secret_key="test-secret-key" * 4,
        password_profile="CHEAPEST",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.read_paths(...)``: the test runs once per way reads are answered."""
    marker = metafunc.definition.get_closest_marker("read_paths")
    if marker is not None and "read_path" in metafunc.fixturenames:
        modes = list(marker.args)
        ids = [{"off": "reference", "all": "prepared"}.get(mode, mode) for mode in modes]
        metafunc.parametrize("read_path", modes, ids=ids, indirect=True)


@pytest.fixture
def read_path(request: pytest.FixtureRequest) -> str:
    """How the app answers query documents (``Settings.prepared_reads``); the default's way."""
    return str(getattr(request, "param", "seen"))


@pytest.fixture
def settings(base_settings: Settings, read_path: str) -> Settings:
    return replace(base_settings, prepared_reads=read_path)


@pytest.fixture(scope="session")
async def engine_database(base_settings: Settings) -> AsyncIterator[Database]:
    database = Database(base_settings)
    yield database
    await database.dispose()


@pytest.fixture
async def connection(engine_database: Database) -> AsyncIterator[AsyncConnection]:
    """The test's own transaction, rolled back when the test ends."""
    async with engine_database.engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def database(engine_database: Database, connection: AsyncConnection) -> Database:
    """The database as the app sees it in a test: inside the test's transaction."""
    return engine_database.joined(connection)


@pytest.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[GraphQLClient]:
    async with serve(settings, database) as http:
        yield GraphQLClient(http)


@pytest.fixture
def counter(engine_database: Database) -> Iterator[StatementCounter]:
    """Every statement the engine runs during the test, transaction control aside."""
    counter = StatementCounter()
    event.listen(engine_database.engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine_database.engine.sync_engine, "before_cursor_execute", counter)


@pytest.fixture
async def people(connection: AsyncConnection, settings: Settings) -> People:
    """An admin and two ordinary users, with the headers that sign each of them in."""
    return await add_people(connection, settings)


@pytest.fixture
async def blank_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the same back end, for one test alone."""
    if make_url(database_url).get_backend_name() == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
    else:
        url = await _create_postgres_database()
    yield url
    if not url.startswith("sqlite"):
        await _drop_postgres_database(url)


@pytest.fixture
async def own_database_url(blank_database_url: str) -> str:
    """A migrated database of the same back end for one test that must commit (concurrency)."""
    database = Database(Settings(database_url=blank_database_url))
    await upgrade(database)
    await database.dispose()
    return blank_database_url


@pytest.fixture
async def app(settings: Settings, own_database_url: str) -> AsyncIterator[App]:
    """The app over a database of its own, for tests whose requests must really commit."""
    async with serve_own(replace(settings, database_url=own_database_url)) as app:
        yield app
