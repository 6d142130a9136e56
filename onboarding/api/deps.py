"""Dependencies of the routes, as `Annotated` aliases.

The Temporal client, the SQL engine and the settings live on `app.state`
(put there by the lifespan handler, or injected by `create_app`), never in
module globals, so importing the API touches no server.
"""

import asyncio
import logging
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.access import API_RULES, MUNICIPALITY_PARAMETER, Rule, decide, find_rule
from onboarding.api.errors import Forbidden, Unauthorized
from onboarding.api.people import cli_provider, person_of_bearer
from onboarding.domain.actor import Actor
from onboarding.settings import Settings
from onboarding.store import queries
from onboarding.store.sessions import Timeouts, find_session
from onboarding.store.tokens import (
    TOKEN_PREFIX,
    Role,
    actor_of,
    find_active_token_kept,
    recall_active_token,
    scope_of,
)


def _state(request: Request, name: str) -> Any:
    try:
        return getattr(request.app.state, name)
    except AttributeError:
        raise RuntimeError(
            f"app.state.{name} is not set: run the app with its lifespan or inject it"
        ) from None


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = _state(request, "settings")
    return settings


async def get_engine(request: Request) -> Engine:
    """The SQL engine of the read model."""
    engine: Engine = _state(request, "engine")
    return engine


async def get_temporal(request: Request) -> Client:
    """The Temporal client."""
    # Not checked with isinstance: tests inject doubles of the client.
    client: Client = _state(request, "temporal")
    return client


# Refused requests are logged for whoever watches for abuse: route, client and
# why, never the token itself.
security_log = logging.getLogger("onboarding.security")


def refused(request: Request, reason: str, *, token_id: int | None = None) -> None:
    """Log a refused request (never its secret) on the `onboarding.security` logger."""
    client = request.client.host if request.client is not None else "unknown"
    security_log.warning(
        "refused %s %s from %s: %s%s",
        request.method,
        request.url.path,
        client,
        reason,
        f" (token {token_id})" if token_id is not None else "",
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
TemporalDep = Annotated[Client, Depends(get_temporal)]

# auto_error=False: a missing token gets our 401 body, not FastAPI's.
_bearer = HTTPBearer(
    auto_error=False,
    description="an API token (`Authorization: Bearer onb_...`), or with single sign-on the "
    "ID token `onboarding signin` got for the CLI's client (docs/sso.md)",
)

# The page session's cookie (onboarding.web.page.SESSION_COOKIE; not imported:
# the pages import this module).
SESSION_COOKIE = "onb_session"


def route_path_of(request: Request) -> tuple[str, str]:
    """The request's path below the app's root, and its route's own template."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    # path_format: the template without convertors ({number}, not {number:party}).
    return path, getattr(request.scope.get("route"), "path_format", "")


async def enforce_access(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    """The one check of every API route: the authorization matrix (onboarding/access.py).

    A route with no rule is refused (403), a public one lets everyone through
    (None: nobody is asking), any other needs an active token (401) whose role
    the rule allows, for a municipality in its scope if it is a municipality
    token (403). With the CLI's sign-in configured, a bearer that is not an API
    token is taken as a person's ID token (onboarding/api/people.py). Routes
    whose rule takes a page session (the codec, called from the Temporal UI in
    the browser) also accept the session's cookie.
    """
    path, route_path = route_path_of(request)
    found = find_rule(API_RULES, request.method, path, route_path)
    if found is None:
        refused(request, "no rule in the authorization matrix")
        raise Forbidden("this route has no access rule; nobody may call it")
    _, rule = found
    if rule.public:
        return None
    if credentials is None and rule.page_session and SESSION_COOKIE in request.cookies:
        active = await asyncio.to_thread(
            find_session,
            engine,
            session_id=request.cookies[SESSION_COOKIE],
            timeouts=Timeouts.of(settings),
        )
        if active is None:
            refused(request, "unknown or ended page session")
            raise Unauthorized("the page session is unknown or has ended; sign in again")
        return await _decided(request, engine, rule, active.actor, scope=frozenset())
    if credentials is None:
        refused(request, "no bearer token")
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    secret, seconds = credentials.credentials, settings.token_cache_seconds
    provider = cli_provider(request, settings)
    if provider is not None and not secret.startswith(TOKEN_PREFIX):
        person = await person_of_bearer(provider, settings, secret)
        if person.actor is None:
            refused(request, f"ID token refused: {person.problem}")
            if person.status == 403:
                raise Forbidden(f"the person {person.problem}")
            raise Unauthorized(f"the ID token does not hold ({person.problem}); sign in again")
        return await _decided(request, engine, rule, person.actor, scope=person.scope)
    token = recall_active_token(engine, secret=secret)
    if token is None:
        token = await asyncio.to_thread(
            find_active_token_kept, engine, secret=secret, seconds=seconds
        )
    if token is None:
        refused(request, "unknown, revoked or expired token")
        raise Unauthorized("the token is unknown, revoked or expired")
    request.state.may_backdate = token.may_backdate
    return await _decided(request, engine, rule, actor_of(token), scope=scope_of(token))


async def _decided(
    request: Request, engine: Engine, rule: Rule, actor: Actor, *, scope: frozenset[str]
) -> Actor:
    number = request.path_params.get(MUNICIPALITY_PARAMETER)
    role = Role(actor.role)
    home = None
    if role is Role.MUNICIPALITY and rule.own_municipality and number and number not in scope:
        # A party outside the scope itself may belong to a municipality in it (a GP office).
        home = await asyncio.to_thread(queries.home_municipality, engine, number=number)
    decision = decide(rule, role=role, scope=scope, number=number, home=home)
    if not decision.allowed:
        refused(request, decision.reason, token_id=_token_id(actor))
        raise Forbidden(decision.reason)
    request.state.scope = scope if role is Role.MUNICIPALITY else None
    return actor


async def authorized_actor(actor: Annotated[Actor | None, Depends(enforce_access)]) -> Actor:
    """Who is asking, once the matrix let them through (cached: checked once per request)."""
    if actor is None:
        raise RuntimeError("a route that names its actor needs a non-public rule in the matrix")
    return actor


async def visible_scope(
    request: Request, _: Annotated[Actor, Depends(authorized_actor)]
) -> frozenset[str] | None:
    """The party ids a municipality token is limited to (None: staff, who see every party)."""
    scope: frozenset[str] | None = getattr(request.state, "scope", None)
    return scope


def refuse_backdating(request: Request, asked: bool, *, field: str = "recorded_at") -> None:
    """Refuse a body that `asked` for a recording time in the past (its `field`) unless its
    token may backdate (the demo loader's).

    Only `onboarding up --demo` makes such a token (store/tokens.py); for
    everyone else a record is recorded when it is received.
    """
    if asked and not getattr(request.state, "may_backdate", False):
        refused(request, f"{field} from a token that may not backdate")
        raise Forbidden(
            f"{field}: only the demo loader's token may give a recording time in the past; "
            f"leave {field} out to record it now"
        )


def _token_id(actor: Actor) -> int | None:
    kind, _, number = actor.id.partition(":")
    return int(number) if kind == "token" and number.isdigit() else None


# The actor of a route. The role is the matrix's business (onboarding/access.py);
# the three names stay so a route says at a glance what its rule should be.
AuthorizedActor = Annotated[Actor, Depends(authorized_actor)]
CurrentActor = AuthorizedActor
ViewerActor = AuthorizedActor
CoordinatorActor = AuthorizedActor
AdminActor = AuthorizedActor
# What a `scoped_answer` route may show (onboarding/access.py).
VisibleScope = Annotated[frozenset[str] | None, Depends(visible_scope)]
