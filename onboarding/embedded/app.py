"""The FastAPI application: `create_app(settings)`.

The lifespan handler owns the Temporal client and the SQL engine and keeps
them on `app.state`. Tests (and the embedded runner) may inject both; what is
injected is used as it is and left open for its owner to close.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.access import API_RULES
from onboarding.api.docs import install_docs
from onboarding.api.errors import install_error_handlers
from onboarding.api.metrics import install_metrics
from onboarding.api.renumbered_paths import RenumberedPaths
from onboarding.api.routes import api_router
from onboarding.embedded.bootstrap import open_database, prepare_database
from onboarding.gateway.connection import connect_to
from onboarding.settings import Settings

DESCRIPTION = """\
Moves the municipalities of a region onto a shared health record platform.

Every request but `/api/health` needs `Authorization: Bearer <token>`. Roles:
`viewer` reads, `coordinator` also records transitions, `admin` also manages
tokens and loads the region. Every error is a JSON object with `error` (a
stable code) and `message`; a refused request changes nothing.
"""


def create_app(
    settings: Settings,
    *,
    client: Client | None = None,
    engine: Engine | None = None,
    ui_codec_secret: str | None = None,
) -> FastAPI:
    """The API for `settings`, connecting to Temporal and SQL unless given a client and engine.

    `ui_codec_secret` opens the codec at /api/codec/ui/<secret>/ for the dev
    server's own UI (`onboarding up`; onboarding/api/routes/codec.py).
    """

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
        # /docs is Swagger UI from the package (onboarding/api/docs.py), not from a CDN.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id_of,
    )
    app.state.settings = settings
    app.state.ui_codec_secret = ui_codec_secret
    if engine is not None:
        app.state.engine = engine
    if client is not None:
        app.state.temporal = client
    install_error_handlers(app)
    install_metrics(app)
    # A renumbered municipality's old numbers keep working in every address (#20).
    app.add_middleware(RenumberedPaths)
    app.include_router(api_router)
    install_docs(app)
    # The pages (/, /municipalities/..., /admin/...) beside the API (/api/...). Imported
    # here: the pages use the API's dependencies, so a module-level import would be a cycle.
    from onboarding.web import install_web

    install_web(app)
    _document_public_operations(app)
    return app


def operation_id_of(route: APIRoute) -> str:
    """A route's operationId: its own `operation_id`, else its function's name.

    Short and stable (`record_transition`, not the path and method spelled out),
    so generated clients get readable names; tests/api/test_openapi_contract.py
    checks that they are unique.
    """
    return route.name


def _document_public_operations(app: FastAPI) -> None:
    """Mark the operations the authorization matrix makes public with `security: []`.

    Every API route depends on the bearer scheme (the matrix is enforced by one
    dependency of the whole /api router), so FastAPI documents each as needing
    a token; the public ones (the health probes) say otherwise, operation by
    operation, from the same matrix that lets them through.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # kept by FastAPI as app.openapi_schema: marked once
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                rule = API_RULES.get((method.upper(), path))
                if rule is not None and rule.public:
                    operation["security"] = []
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _open_database(settings: Settings) -> Engine:
    # The embedded default migrates by itself; production only checks the revision.
    if settings.mode == "embedded":
        return prepare_database(settings)
    return open_database(settings)
