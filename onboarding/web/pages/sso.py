"""Sign-in through the identity provider (OpenID Connect), for the program's staff.

`GET /signin/sso` begins: Authlib makes the authorization request (state, nonce,
PKCE), the store keeps what the callback must find again, and the browser gets
the state in a cookie of its own, so a callback only counts in the browser that
began it (no one can sign someone else in with their own code). `GET
/signin/sso/callback` finishes: the state matches the cookie and a pending
sign-in, the code is exchanged, the ID token verified (onboarding/sso/provider.py),
and the claims mapped to a role (onboarding/sso/roles.py). A person with no
role gets a page that says so and opens no session; the municipality role is
refused as for tokens (the pages are the staff's). Signing out (signin.py)
ends the session here and, where the provider has an end-session endpoint, there.

Without `ONBOARDING_OIDC_ISSUER` both routes lead back to the token sign-in.
"""

import asyncio
import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from onboarding.api.deps import refused
from onboarding.settings import Settings
from onboarding.sso.provider import SignInFailed
from onboarding.sso.roles import person_of
from onboarding.store.sessions import open_person_session
from onboarding.store.sso_sign_ins import remember_sign_in, take_sign_in
from onboarding.store.tokens import Role
from onboarding.web.page import AnyPage, Page
from onboarding.web.pages.signin import (
    form_page,
    is_secure,
    safe_next,
    set_session_cookie,
    sso_provider,
)

router = APIRouter()

STATE_COOKIE = "onb_sso_state"
CALLBACK_PATH = "/signin/sso/callback"


def callback_url(request: Request, settings: Settings) -> str:
    """Where the provider sends the browser back: registered there as the redirect URI."""
    base = settings.public_url or str(request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


@router.get("/signin/sso")
async def begin_sso(page: AnyPage, next: Annotated[str | None, Query()] = None) -> Response:
    """Off to the identity provider, to come back to `next`."""
    provider = sso_provider(page.request)
    if provider is None:
        return RedirectResponse("/signin", status_code=303)
    try:
        authorization = await provider.authorization(callback_url(page.request, page.settings))
    except SignInFailed as err:
        refused(page.request, f"single sign-on unavailable: {err}")
        return form_page(page, next=safe_next(next), status=503, error=page.t("sso.unavailable"))
    await asyncio.to_thread(
        remember_sign_in,
        page.engine,
        state=authorization.state,
        nonce=authorization.nonce,
        code_verifier=authorization.code_verifier,
        next_path=safe_next(next),
    )
    response = RedirectResponse(authorization.url, status_code=303)
    # Lax, not Strict: the provider sends the browser back with a cross-site navigation.
    response.set_cookie(
        STATE_COOKIE,
        authorization.state,
        httponly=True,
        samesite="lax",
        secure=is_secure(page.request),
        path="/signin/sso",
        max_age=600,
    )
    return response


@router.get(CALLBACK_PATH)
async def finish_sso(
    page: AnyPage,
    state: Annotated[str | None, Query()] = None,
    code: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query()] = None,
) -> Response:
    """Back from the provider: check everything, then open a session (or say why not)."""
    provider = sso_provider(page.request)
    if provider is None:
        return RedirectResponse("/signin", status_code=303)
    expected = page.request.cookies.get(STATE_COOKIE)
    if not state or not expected or not hmac.compare_digest(state.encode(), expected.encode()):
        # The cookie stays: a forged callback must not spoil this browser's own sign-in.
        return _failed(
            page, "the state does not match this browser's sign-in", status=400, forget=False
        )
    pending = await asyncio.to_thread(take_sign_in, page.engine, state=state)
    if pending is None:
        return _failed(page, "no sign-in under way for this state (used, or too old)", status=400)
    if error or not code:
        return _failed(page, f"the provider answered {error or 'no code'}", status=401)
    try:
        claims, id_token = await provider.finish(
            redirect_uri=callback_url(page.request, page.settings),
            code=code,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    except SignInFailed as err:
        return _failed(page, str(err), status=401)
    person = person_of(claims, page.settings)
    if person is None:
        refused(page.request, f"single sign-on: {claims.get('sub')!r} has no role here")
        return _forget_state(
            page.render(
                "no_role.html",
                status=403,
                name=claims.get(page.settings.oidc_name_claim) or claims.get("sub"),
                claim=page.settings.oidc_role_claim,
            )
        )
    if person.role is Role.MUNICIPALITY:
        refused(page.request, f"single sign-on: {person.subject!r} has the municipality role")
        return _forget_state(
            form_page(page, next="/", status=403, error=page.t("signin.municipality"))
        )
    opened = await asyncio.to_thread(
        open_person_session, page.engine, actor=person.actor, id_token=id_token
    )
    response = RedirectResponse(pending.next_path, status_code=303)
    set_session_cookie(response, page.request, opened.session_id)
    return _forget_state(response)


def _failed(page: Page, reason: str, *, status: int, forget: bool = True) -> Response:
    refused(page.request, f"single sign-on failed: {reason}")
    response = form_page(page, next="/", status=status, error=page.t("sso.failed"))
    return _forget_state(response) if forget else response


def _forget_state(response: Response) -> Response:
    response.delete_cookie(STATE_COOKIE, path="/signin/sso")
    return response
