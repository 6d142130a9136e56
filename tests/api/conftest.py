"""The `api` fixture: the app in-process (httpx) with a real worker on the module's server."""

from collections.abc import AsyncIterator
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


@pytest.fixture
async def api(
    client: Client, task_queue: str, sqlite_engine: Engine, tmp_path: Path
) -> AsyncIterator[Api]:
    settings = Settings(home=tmp_path, task_queue=task_queue)
    secrets = {
        role: tokens.create_token(sqlite_engine, name=f"test {role.value}", role=role)[1]
        for role in STAFF_ROLES
    }
    app = create_app(settings, client=client, engine=sqlite_engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        build_worker(client, sqlite_engine, task_queue=task_queue),
        httpx.AsyncClient(transport=transport, base_url="http://api.test") as http,
    ):
        harness = Api(app, http, sqlite_engine, client, settings, secrets)
        try:
            yield harness
        finally:
            await terminate_started(client, harness.started, task_queue)
