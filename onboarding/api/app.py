"""The FastAPI application: `create_app(settings)`.

The lifespan handler owns the Temporal client and the SQL engine and keeps
them on `app.state`. Tests (and the embedded runner) may inject both; what is
injected is used as it is and left open for its owner to close.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.api.errors import install_error_handlers
from onboarding.api.metrics import install_metrics
from onboarding.api.routes import api_router
from onboarding.connection import connect_to
from onboarding.embedded.bootstrap import open_database, prepare_database
from onboarding.settings import Settings

DESCRIPTION = """\
Moves the municipalities of a region onto a shared health record platform.

Every request but `/api/health` needs `Authorization: Bearer <token>`. Roles:
`viewer` reads, `coordinator` also records transitions, `admin` also manages
tokens and loads the region. Every error is a JSON object with `error` (a
stable code) and `message`; a refused request changes nothing.
"""


def create_app(
    settings: Settings, *, client: Client | None = None, engine: Engine | None = None
) -> FastAPI:
    """The API for `settings`, connecting to Temporal and SQL unless given a client and engine."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned_engine: Engine | None = None
        try:
            if engine is None:
                owned_engine = _open_database(settings)
                app.state.engine = owned_engine
            if client is None:
                app.state.temporal = await connect_to(settings)
            yield
        finally:
            # The Temporal client needs no closing; its connection dies with the process.
            if owned_engine is not None:
                owned_engine.dispose()

    app = FastAPI(
        title="onboarding",
        version=version("onboarding"),
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if engine is not None:
        app.state.engine = engine
    if client is not None:
        app.state.temporal = client
    install_error_handlers(app)
    install_metrics(app)
    app.include_router(api_router)
    # The pages (/, /municipalities/..., /admin/...) beside the API (/api/...). Imported
    # here: the pages use the API's dependencies, so a module-level import would be a cycle.
    from onboarding.web import install_web

    install_web(app)
    return app


def _open_database(settings: Settings) -> Engine:
    # The embedded default migrates by itself; production only checks the revision.
    if settings.mode == "embedded":
        return prepare_database(settings)
    return open_database(settings)
