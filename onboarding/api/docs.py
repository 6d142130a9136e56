"""/docs: the API's browsable documentation, Swagger UI served from the package.

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an
inline script, which the pages' Content-Security-Policy (script-src 'self')
blocks, and many deployments have no internet. Here the Swagger UI bundle and
its CSS come from the fastapi-offline package and the start-up script from
`docs_assets/`, all under /docs/assets, so the page works offline under the
same strict policy as the pages (no 'unsafe-inline'). ReDoc is left out: it
injects inline styles.
"""

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from onboarding.api.security_headers import SECURITY_HEADERS

ASSETS = "/docs/assets"


def docs_page(title: str, openapi_url: str) -> str:
    """The HTML of /docs: Swagger UI's files and our start-up script, nothing inline."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} - API docs</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon.png">
</head>
<body data-openapi-url="{escape(openapi_url)}">
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI, *, path: str = "/docs") -> None:
    """Serve Swagger UI for `app`'s OpenAPI document at `path` (app made with docs_url=None)."""
    app.mount(
        ASSETS,
        StaticFiles(packages=[("onboarding.api", "docs_assets"), ("fastapi_offline", "static")]),
        name="docs-assets",
    )
    html = docs_page(app.title, app.openapi_url or "/openapi.json")

    @app.get(path, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        # The pages' policy: Swagger UI fetches /openapi.json from this origin and
        # draws its icons from data: URLs, so it needs nothing more.
        return HTMLResponse(html, headers=SECURITY_HEADERS)
