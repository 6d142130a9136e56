"""Dependencies of the routes, as `Annotated` aliases.

The Temporal client, the SQL engine and the settings live on `app.state`
(put there by the lifespan handler, or injected by `create_app`), never in
module globals, so importing the API touches no server.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.api.errors import Forbidden, Unauthorized
from onboarding.models import Actor
from onboarding.settings import Settings
from onboarding.store.tokens import Role, find_active_token


def _state(request: Request, name: str) -> Any:
    try:
        return getattr(request.app.state, name)
    except AttributeError:
        raise RuntimeError(
            f"app.state.{name} is not set: run the app with its lifespan or inject it"
        ) from None


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = _state(request, "settings")
    return settings


def get_engine(request: Request) -> Engine:
    """The SQL engine of the read model."""
    engine: Engine = _state(request, "engine")
    return engine


def get_temporal(request: Request) -> Client:
    """The Temporal client."""
    # Not checked with isinstance: tests inject doubles of the client.
    client: Client = _state(request, "temporal")
    return client


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
TemporalDep = Annotated[Client, Depends(get_temporal)]

# auto_error=False: a missing token gets our 401 body, not FastAPI's.
_bearer = HTTPBearer(auto_error=False, description="an API token: `Authorization: Bearer onb_...`")


def current_actor(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """Who is asking, from the bearer token; 401 if there is none or it is not active."""
    if credentials is None:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    token = find_active_token(engine, secret=credentials.credentials)
    if token is None:
        raise Unauthorized("the token is unknown, revoked or expired")
    return Actor(id=f"token:{token.id}", name=token.name, role=token.role)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(role: Role) -> Callable[[Actor], Actor]:
    """A dependency that lets through tokens of `role` or higher (403 otherwise)."""

    def dependency(actor: CurrentActor) -> Actor:
        if not Role(actor.role).covers(role):
            raise Forbidden(f"this needs the {role.value} role; the token is {actor.role}")
        return actor

    dependency.__name__ = f"require_{role.value}"
    return dependency


ViewerActor = Annotated[Actor, Depends(require(Role.VIEWER))]
CoordinatorActor = Annotated[Actor, Depends(require(Role.COORDINATOR))]
AdminActor = Annotated[Actor, Depends(require(Role.ADMIN))]
