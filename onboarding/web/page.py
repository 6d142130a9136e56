"""What every page handler gets: the request, the language, the signed-in session.

Pages are signed in through a session cookie (see onboarding.store.sessions);
roles are the API's, checked here the same way (`Role.covers`). Every POST
carries the session's synchronizer token in a `csrf_token` field, checked by
`Page.form()` before the handler reads anything else.
"""

import hmac
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from starlette.datastructures import FormData

from onboarding.access import MUNICIPALITY_PARAMETER, PAGE_RULES, decide, find_rule, least_role
from onboarding.api.deps import EngineDep, SettingsDep, refused, route_path_of
from onboarding.domain.actor import Actor
from onboarding.domain.errors import OnboardingError, RequestRejected
from onboarding.gateway.parties import EngineUnavailable
from onboarding.settings import Settings
from onboarding.store.sessions import ActiveSession, Timeouts, find_session
from onboarding.store.tokens import Role
from onboarding.web.forms import FormErrors
from onboarding.web.i18n import LANGUAGE_COOKIE, Translator, negotiate
from onboarding.web.nav import nav_items
from onboarding.web.refusals import refusal_text
from onboarding.web.templating import templates

SESSION_COOKIE = "onb_session"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageRefused(Exception):
    """A page request refused with an HTML error page (403 role or CSRF, 404, 503)."""

    def __init__(self, status: int, message_key: str, **values: object) -> None:
        super().__init__(message_key)
        self.status = status
        self.message_key = message_key
        self.values = values


def timeouts(settings: Settings) -> Timeouts:
    """The session timeouts the settings ask for."""
    return Timeouts.of(settings)


@dataclass
class Page:
    """One page request: who (if anyone) is signed in, in which language."""

    request: Request
    settings: Settings
    engine: Engine
    t: Translator
    session: ActiveSession | None

    @property
    def actor(self) -> Actor:
        """The signed-in actor (pages behind `signed_in` only)."""
        if self.session is None:
            raise SignInRequired(self.request.url.path)
        return self.session.actor

    def may(self, role: Role) -> bool:
        """True if the signed-in actor's role covers `role`."""
        return self.session is not None and Role(self.session.actor.role).covers(role)

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        """The template, with what every page shows (language, user, navigation, CSRF token)."""
        url = self.request.url
        here = url.path + (f"?{url.query}" if url.query else "")
        # Refusals arrive in the API's English: every form's errors in the page's language.
        context = {
            name: value.translated(lambda m: refusal_text(self.t, m))
            if isinstance(value, FormErrors)
            else value
            for name, value in context.items()
        }
        return templates.TemplateResponse(
            self.request,
            template,
            {
                "t": self.t,
                "lang": self.t.language,
                "page": self,
                "user": self.session.actor if self.session else None,
                "csrf_token": self.session.csrf_token if self.session else "",
                "nav": [item for item in nav_items() if self.may(item.role)],
                "Role": Role,
                "here": here,
                **context,
            },
            status_code=status,
        )

    async def form(self) -> FormData:
        """The posted form, once its CSRF token matches the session's (403 otherwise)."""
        form = await self.request.form()
        sent = form.get(CSRF_FIELD)
        if (
            self.session is None
            or not isinstance(sent, str)
            or not hmac.compare_digest(sent.encode(), self.session.csrf_token.encode())
        ):
            raise PageRefused(403, "error.csrf")
        return form


async def attempt(errors: FormErrors, command: Awaitable[object]) -> None:
    """Await a write through the gateway; its refusal becomes a form error.

    A refusal that names a field goes next to that field, any other (wrong
    stage, obligation not open) above the form; an unreachable engine is a 503 page.
    """
    try:
        await command
    except RequestRejected as err:
        errors.add(err.field, err.message)
    except EngineUnavailable:
        raise PageRefused(503, "error.engine_unavailable") from None
    except OnboardingError as err:
        errors.general.append(str(err))


def current_page(request: Request, settings: SettingsDep, engine: EngineDep) -> Page:
    """The page context; the session is looked up but not required."""
    language = negotiate(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )
    session_id = request.cookies.get(SESSION_COOKIE)
    session = (
        find_session(engine, session_id=session_id, timeouts=timeouts(settings))
        if session_id
        else None
    )
    return Page(request, settings, engine, Translator(language), session)


AnyPage = Annotated[Page, Depends(current_page)]


def enforce_page_access(page: AnyPage) -> Page:
    """The one check of every page: the authorization matrix (onboarding/access.py).

    A page with no rule is refused (403); a public one lets everyone through;
    any other needs a live session (else to the sign-in page, and back) whose
    role the rule allows (else a 403 page naming the role it needs).
    """
    request = page.request
    path, route_path = route_path_of(request)
    found = find_rule(PAGE_RULES, request.method, path, route_path)
    if found is None:
        refused(request, "no rule in the authorization matrix")
        raise PageRefused(403, "error.no_rule")
    _, rule = found
    if rule.public:
        return page
    if page.session is None:
        query = request.url.query
        back = request.url.path + (f"?{query}" if query else "")
        raise SignInRequired(back if request.method == "GET" else "/")
    actor = page.session.actor
    decision = decide(
        rule,
        role=Role(actor.role),
        scope=frozenset(),
        number=request.path_params.get(MUNICIPALITY_PARAMETER),
    )
    if not decision.allowed:
        refused(request, decision.reason)
        raise PageRefused(403, "error.role", role=least_role(rule).value)
    return page


# Every page of a signed-in user: the matrix decides who (the names say what
# the rule of a page should be, at a glance).
SignedInPage = Annotated[Page, Depends(enforce_page_access)]
ViewerPage = SignedInPage
CoordinatorPage = SignedInPage
AdminPage = SignedInPage
