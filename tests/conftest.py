"""Shared fixtures: the real Temporal test server, a harness on it, and real SQLite and PostgreSQL.

The time-skipping test server is one per test module (`env`), or one per test
for tests that skip months or years (`own_env`); each test gets a fresh task
queue and fresh workflow ids, and `harness` (`sql_harness`, `own_harness`)
terminates the workflows it started. PostgreSQL tests use the server named by
ONBOARDING_TEST_POSTGRES_URL (set by .ci/run) and get a database of their own;
without that variable they are skipped with the reason shown.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.settings import Settings
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from tests.helpers import Harness
from tests.helpers.cli import Served
from tests.helpers.notifications import free_port, role_tokens
from tests.helpers.servers import time_skipping_server

POSTGRES_URL_VARIABLE = "ONBOARDING_TEST_POSTGRES_URL"

# The longest modules, longest first (each over half a minute in CI). `make test`
# runs the suite on two processes (pytest-xdist, a file at a time, dealt in
# collection order): starting these first keeps one of them from being the tail
# that runs alone at the end.
LONGEST_FIRST = (
    "e2e/test_schemathesis_contract.py",
    "e2e/test_faults.py",
    "e2e/test_scale_out.py",
    "e2e/test_fuzz_api.py",
    "e2e/test_reminders_durable.py",
    "e2e/test_demo_e2e.py",
)
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A moved or renamed file would silently lose its place at the front.
    missing = [path for path in LONGEST_FIRST if not (TESTS / path).is_file()]
    assert not missing, f"LONGEST_FIRST names files that do not exist: {missing}"
    ranks = {TESTS / path: rank for rank, path in enumerate(LONGEST_FIRST)}

    def rank(item: pytest.Item) -> int:
        return ranks.get(item.path, len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the order within a module, and of the rest, is kept


# One per test module: tests that skip time move this server's clock for
# everyone on it, so a module never inherits the years another skipped (which
# order, and pytest-xdist's dealing of files, would otherwise decide).
@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_server() as environment:
        yield environment


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server for this test alone, for tests that skip months or years.

    Skipping moves the clock of every workflow on a server: the module's other
    tests would find their timers fired and their dates in the past.
    """
    async with time_skipping_server() as environment:
        yield environment


# Module scope, as `env`: module-scoped fixtures (the web pages' `site`) use it.
@pytest.fixture(scope="module")
def client(env: WorkflowEnvironment) -> Client:
    return env.client


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"


@pytest.fixture
async def harness(client: Client, sqlite_engine: Engine, task_queue: str) -> AsyncIterator[Harness]:
    """The module's server, a fresh task queue and SQLite; terminates what the test started."""
    async with Harness(client, sqlite_engine, task_queue) as test:
        yield test


@pytest.fixture
async def sql_harness(
    client: Client, sql_engine: Engine, task_queue: str
) -> AsyncIterator[Harness]:
    """`harness` on SQLite, then on PostgreSQL."""
    async with Harness(client, sql_engine, task_queue) as test:
        yield test


@pytest.fixture
async def own_harness(
    own_env: WorkflowEnvironment, sqlite_engine: Engine, task_queue: str
) -> AsyncIterator[Harness]:
    """`harness` on the test's own server (`own_env`), for tests that skip time."""
    async with Harness(own_env.client, sqlite_engine, task_queue) as test:
        yield test


@pytest.fixture
async def served(harness: Harness, tmp_path: Path) -> AsyncIterator[Served]:
    """The API served by uvicorn on a free port with a real worker, for the CLI's own client."""
    secrets = role_tokens(harness.engine, "cli")
    settings = Settings(home=tmp_path, task_queue=harness.task_queue)
    app = create_app(settings, client=harness.client, engine=harness.engine)
    port = free_port()
    async with harness.worker(), running_api(app, host="127.0.0.1", port=port):
        yield Served(f"http://127.0.0.1:{port}", secrets, harness)


@pytest.fixture
async def http(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process over HTTPS without a Temporal client: what needs no workflow."""
    app = create_app(Settings(home=tmp_path), client=object(), engine=sqlite_engine)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://pages.test") as client:
        yield client


@pytest.fixture
def sqlite_engine(tmp_path: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/onboarding.db")  # type: ignore[operator]
    create_schema(engine)
    yield engine
    engine.dispose()


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: PostgreSQL tests skipped")
    return url


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    admin_url = _postgres_admin_url()
    name = f"onboarding_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    engine = make_engine(f"{base}/{name}")
    create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_engine(request: pytest.FixtureRequest) -> Engine:
    """The SQL layer under test, once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(fixture)
    return engine
