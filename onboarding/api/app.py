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
from onboarding.api.routes import api_router
from onboarding.settings import Settings
from onboarding.store.database import create_schema, make_engine
from onboarding.temporal import connect

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
                app.state.temporal = await connect(
                    settings.temporal_address, settings.temporal_namespace
                )
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
    app.include_router(api_router)
    return app


def _open_database(settings: Settings) -> Engine:
    if settings.database_url is None:
        # The default SQLite file lives in the data dir, which may be new.
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    create_schema(engine)
    return engine
