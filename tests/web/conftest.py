"""`site`: the app served by uvicorn with a real worker and a browser, one per module."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.embedded.worker import build_worker
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from onboarding.store.tokens import STAFF_ROLES
from tests.helpers import Harness
from tests.helpers.ports import free_port
from tests.helpers.web import Site, chromium_path


@pytest.fixture(scope="module")
async def site(client: Client, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    root: Path = tmp_path_factory.mktemp("web")
    engine: Engine = make_engine(f"sqlite:///{root}/onboarding.db")
    create_schema(engine)
    settings = Settings(
        home=root,
        task_queue=f"tq-web-{free_port()}",
        temporal_ui_url="http://127.0.0.1:8233",
    )
    secrets = {
        role: tokens.create_token(engine, name=f"Test {role.value}", role=role)[1]
        for role in STAFF_ROLES
    }
    app = create_app(settings, client=client, engine=engine)
    port = free_port()
    async with (
        build_worker(client, engine, task_queue=settings.task_queue),
        running_api(app, host="127.0.0.1", port=port),
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(executable_path=chromium_path())
        site = Site(f"http://127.0.0.1:{port}", engine, client, settings, browser, secrets)
        try:
            yield site
        finally:
            await browser.close()
            # Terminate this module's workflows, so the shared test server stays light.
            await Harness(client, engine, settings.task_queue, started=site.started).close()
            engine.dispose()
