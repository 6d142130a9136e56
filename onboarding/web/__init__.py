"""The web pages for coordinators and admins, served by the same app as the API.

`install_web(app)` mounts the static assets at /static, includes every page
router (onboarding.web.pages) and answers page refusals with HTML: a missing
session goes to the sign-in page, a role or CSRF refusal is a 403 page.
Pages write through the same gateway and store functions as the API routes.
"""

from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Scope

from onboarding.api.response_watcher import ResponseWatcher
from onboarding.api.security_headers import SECURITY_HEADERS
from onboarding.settings import Settings
from onboarding.web.page import PageRefused, SignInRequired, current_page
from onboarding.web.pages import page_router
from onboarding.web.templating import STATIC_DIR

# Pages use no inline script or style: everything comes from /static.


def install_web(app: FastAPI) -> None:
    """Add the pages, their static assets and their error pages to `app`."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(page_router)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(PageRefused, _refused)

    settings: Settings = app.state.settings
    app.add_middleware(SecurityHeaders, headers=security_headers(settings.oidc_issuer))


def security_headers(issuer: str | None) -> dict[str, str]:
    """SECURITY_HEADERS, with the identity provider's origin as a place forms may lead.

    Chromium holds the redirects after a form's POST to `form-action` too: signing
    out posts to /signout, which sends the browser on to the provider's end-session
    endpoint.
    """
    if issuer is None:
        return SECURITY_HEADERS
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    policy = SECURITY_HEADERS["Content-Security-Policy"].replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    )
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}


class SecurityHeaders(ResponseWatcher):
    """Adds the security headers to every HTML response (a page may set its own first)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        super().__init__(app)
        self.headers = headers

    def started(self, scope: Scope, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        if headers.get("content-type", "").startswith("text/html"):
            for name, value in self.headers.items():
                headers.setdefault(name, value)


async def _sign_in(request: Request, err: Exception) -> Response:
    assert isinstance(err, SignInRequired)
    return RedirectResponse(f"/signin?next={quote(err.next_path, safe='/')}", status_code=303)


async def _refused(request: Request, err: Exception) -> Response:
    assert isinstance(err, PageRefused)
    page = current_page(request, request.app.state.settings, request.app.state.engine)
    return page.render(
        "error.html",
        status=err.status,
        message=page.t(err.message_key, **err.values),
        status_code=err.status,
    )
