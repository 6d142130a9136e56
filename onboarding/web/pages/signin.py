"""Sign-in with an API token, sign-out (here, and at the identity provider), the language switch.

Signing in opens a server-side session (onboarding.store.sessions); the cookie
holds only its random id: HttpOnly, SameSite=Lax, Secure over https. The
sign-in form has no session to tie a CSRF token to yet, so it carries a
double-submit token: a random value in a SameSite=Strict cookie that the form
must repeat. With single sign-on on (onboarding/web/pages/sso.py) the form
offers it first; without, it says how to turn it on.
"""

import asyncio
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from onboarding.api.deps import refused
from onboarding.settings import Settings
from onboarding.sso.provider import Provider
from onboarding.store.sessions import end_session, open_session
from onboarding.store.tokens import Role, find_active_token
from onboarding.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from onboarding.web.page import CSRF_FIELD, SESSION_COOKIE, AnyPage, PageRefused, ViewerPage
from onboarding.web.signin_limit import SignInLimiter

router = APIRouter()

SIGNIN_CSRF_COOKIE = "onb_signin_csrf"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def safe_next(path: str | None) -> str:
    """A local path to go back to; anything else (another site, a scheme) is '/'."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def is_secure(request: Request) -> bool:
    """True if cookies must be Secure (the page was served over https)."""
    return request.url.scheme == "https"


def sso_provider(request: Request) -> Provider | None:
    """The app's identity provider (made on first use), or None without single sign-on."""
    settings: Settings = request.app.state.settings
    if settings.oidc_issuer is None:
        return None
    found: Provider | None = getattr(request.app.state, "sso_provider", None)
    if found is None:
        found = request.app.state.sso_provider = Provider(settings)
    return found


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    """The session's cookie: only its random id, HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
        path="/",
    )


@router.get("/signin")
def signin_form(page: AnyPage, next: Annotated[str | None, Query()] = None) -> Response:
    """The sign-in form (or straight on, for someone signed in already)."""
    if page.session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return form_page(page, next=safe_next(next), status=200)


def form_page(page: AnyPage, *, next: str, status: int, error: str | None = None) -> Response:
    """The sign-in page (single sign-on if it is on, and the token form), with its CSRF cookie."""
    token = secrets.token_urlsafe(32)
    response = page.render(
        "signin.html",
        status=status,
        next=next,
        signin_csrf=token,
        error=error,
        sso=page.settings.oidc_issuer is not None,
    )
    response.set_cookie(
        SIGNIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_secure(page.request),
        path="/signin",
    )
    return response


def limiter(request: Request) -> SignInLimiter:
    """The app's sign-in limiter, made on first use."""
    found: SignInLimiter | None = getattr(request.app.state, "signin_limiter", None)
    if found is None:
        found = request.app.state.signin_limiter = SignInLimiter()
    return found


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


@router.post("/signin")
async def signin(page: AnyPage) -> Response:
    """Open a session for a valid token; the form again, with an error, otherwise.

    Failed attempts are logged (never the token) and limited per client
    address (429 with Retry-After); a municipality token is refused with why.
    """
    limit = limiter(page.request)
    wait = limit.retry_after(_client(page.request))
    if wait is not None:
        refused(page.request, "too many failed sign-ins")
        response = form_page(
            page, next="/", status=429, error=page.t("signin.too_many", seconds=wait)
        )
        response.headers["Retry-After"] = str(wait)
        return response
    form = await page.request.form()
    sent, expected = form.get(CSRF_FIELD), page.request.cookies.get(SIGNIN_CSRF_COOKIE)
    if (
        not isinstance(sent, str)
        or not expected
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise PageRefused(403, "error.csrf")
    next_path = safe_next(str(form.get("next") or "/"))
    secret = str(form.get("token") or "")
    token = await asyncio.to_thread(find_active_token, page.engine, secret=secret.strip())
    if token is not None and token.role == Role.MUNICIPALITY:
        refused(page.request, "a municipality token cannot sign in to the pages", token_id=token.id)
        return form_page(page, next=next_path, status=403, error=page.t("signin.municipality"))
    opened = await asyncio.to_thread(open_session, page.engine, token_secret=secret)
    if opened is None:
        limit.failed(_client(page.request))
        refused(page.request, "sign-in with an unknown, revoked or expired token")
        return form_page(page, next=next_path, status=401, error=page.t("signin.invalid"))
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, page.request, opened.session_id)
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/signin")
    return response


@router.post("/signout")
async def signout(page: ViewerPage) -> Response:
    """End the session; its cookie never works again.

    A person signed in through the identity provider is sent on to sign out there
    too (RP-initiated logout, with the ID token as the hint), where the provider
    has an end-session endpoint; it sends them back to the sign-in page.
    """
    await page.form()
    session_id = page.request.cookies.get(SESSION_COOKIE, "")
    id_token = await asyncio.to_thread(end_session, page.engine, session_id=session_id)
    after = "/signin"
    provider = sso_provider(page.request)
    if provider is not None and id_token is not None:
        base = page.settings.public_url or str(page.request.base_url)
        after = (
            await provider.logout_url(id_token=id_token, after=base.rstrip("/") + "/signin")
            or after
        )
    response = RedirectResponse(after, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/language/{language}")
def switch_language(
    language: str, request: Request, next: Annotated[str | None, Query()] = None
) -> Response:
    """Remember the chosen language in a cookie and go back (a preference, not a write)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_AGE,
            samesite="lax",
            secure=is_secure(request),
            path="/",
        )
    return response
