"""/api/users: the API's tokens (admin only). A secret is shown once, at creation."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from onboarding.api.deps import AdminActor, EngineDep
from onboarding.api.errors import NotFound, error_responses
from onboarding.api.schemas import TokenCreate, TokenCreated, TokenPublic
from onboarding.store import tokens

router = APIRouter(prefix="/users", tags=["users"], responses=error_responses(401, 403, 422))


@router.get("")
def list_users(engine: EngineDep, _: AdminActor) -> list[TokenPublic]:
    """Every token, active or not, without secrets."""
    return [TokenPublic.from_table(token) for token in tokens.list_tokens(engine)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(request: TokenCreate, engine: EngineDep, actor: AdminActor) -> TokenCreated:
    """Create a token; the answer holds its secret, which is never shown again."""
    token, secret = tokens.create_token(
        engine,
        name=request.name,
        role=request.role,
        scope=request.scope,
        expires_at=request.expires_at,
        by=actor,
    )
    public = TokenPublic.from_table(token)
    return TokenCreated(
        id=public.id,
        name=public.name,
        role=public.role,
        scope=public.scope,
        created_at=public.created_at,
        expires_at=public.expires_at,
        token=secret,
    )


@router.delete("/{token_id}", responses=error_responses(404))
def revoke_user(
    token_id: Annotated[int, Path(ge=1)], engine: EngineDep, actor: AdminActor
) -> TokenPublic:
    """Revoke a token at once (repeating it changes nothing)."""
    token = tokens.revoke_token_as(engine, token_id=token_id, actor=actor)
    if token is None:
        raise NotFound(f"no token with id {token_id}")
    return TokenPublic.from_table(token)
