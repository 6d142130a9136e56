"""The `api` fixture: the app in-process (httpx) with a real worker on the module's server."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.embedded.app import create_app
from onboarding.embedded.worker import build_worker
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.tokens import STAFF_ROLES
from tests.helpers.api import Api, terminate_started


@asynccontextmanager
async def served_api(
    client: Client, task_queue: str, engine: Engine, home: Path
) -> AsyncIterator[Api]:
    """The app on `engine` in-process, a worker on `task_queue`, a token per staff role."""
    settings = Settings(home=home, task_queue=task_queue)
    secrets = {
        role: tokens.create_token(engine, name=f"test {role.value}", role=role)[1]
        for role in STAFF_ROLES
    }
    app = create_app(settings, client=client, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        build_worker(client, engine, task_queue=task_queue),
        httpx.AsyncClient(transport=transport, base_url="http://api.test") as http,
    ):
        harness = Api(app, http, engine, client, settings, secrets)
        try:
            yield harness
        finally:
            await terminate_started(client, harness.started, task_queue)


@pytest.fixture
async def api(
    client: Client, task_queue: str, sqlite_engine: Engine, tmp_path: Path
) -> AsyncIterator[Api]:
    async with served_api(client, task_queue, sqlite_engine, tmp_path) as harness:
        yield harness
