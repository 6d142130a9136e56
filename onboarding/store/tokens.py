"""API tokens: random bearer secrets, stored only as their SHA-256.

A secret is `onb_` followed by `secrets.token_urlsafe(32)` (256 random bits).
With that much entropy a fast hash is the right one: no guessing attack can
find a preimage, and a slow password hash would only slow down every request.
The secret is returned once, when the token is created, and never again.

Roles are ordered: viewer (reads) < coordinator (reads and transitions) <
admin (everything, including tokens and loading the region).
"""

import hashlib
import os
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from onboarding.errors import RequestRejected
from onboarding.store.database import utc
from onboarding.store.tables import ApiToken

TOKEN_PREFIX = "onb_"
ADMIN_TOKEN_NAME = "admin"


class Role(StrEnum):
    """What a token may do; each role includes the ones before it."""

    VIEWER = "viewer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    def covers(self, required: "Role") -> bool:
        """True if this role may do what `required` may."""
        order = list(Role)
        return order.index(self) >= order.index(required)


def parse_role(role: str) -> Role:
    """The role named `role`; RequestRejected naming the allowed ones otherwise."""
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise RequestRejected("role", f"unknown role {role!r}; allowed: {allowed}") from None


def hash_secret(secret: str) -> str:
    """The stored form of a secret: hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    engine: Engine, *, name: str, role: Role | str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns it and its secret (the only time the secret is seen).

    A naive `expires_at` is taken as UTC.
    """
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 200:
        raise RequestRejected("name", "must be 1 to 200 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=cleaned,
        role=parse_role(role).value,
        token_hash=hash_secret(secret),
        created_at=datetime.now(UTC),
        expires_at=utc(expires_at) if expires_at is not None else None,
    )
    # Keep the attributes loaded after commit: the caller reads them detached.
    with Session(engine, expire_on_commit=False) as session:
        session.add(token)
        session.commit()
    return _aware(token), secret


def find_active_token(
    engine: Engine, *, secret: str, now: datetime | None = None
) -> ApiToken | None:
    """The token whose secret this is, unless unknown, revoked or expired."""
    if not secret:
        return None
    moment = now or datetime.now(UTC)
    with Session(engine) as session:
        token = session.exec(
            select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
        ).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and utc(token.expires_at) <= moment:
        return None
    return _aware(token)


def list_tokens(engine: Engine) -> list[ApiToken]:
    """Every token, active or not, oldest first."""
    with Session(engine) as session:
        tokens = session.exec(select(ApiToken).order_by(ApiToken.id)).all()  # type: ignore[arg-type]
    return [_aware(t) for t in tokens]


def revoke_token(engine: Engine, *, token_id: int) -> ApiToken | None:
    """Revoke a token (a second revoke keeps the first time); None if there is no such token."""
    with Session(engine, expire_on_commit=False) as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            return None
        if token.revoked_at is None:
            token.revoked_at = datetime.now(UTC)
            session.add(token)
            session.commit()
    return _aware(token)


def ensure_admin_token(engine: Engine, path: Path) -> str | None:
    """Create the first admin token and write its secret to `path` (mode 0600).

    Returns the secret if it was created now, None if `path` already exists.
    The file is created exclusively before the token, so two processes
    starting at once cannot both create one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    try:
        _, secret = create_token(engine, name=ADMIN_TOKEN_NAME, role=Role.ADMIN)
        os.write(fd, f"{secret}\n".encode())
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return secret


def _aware(token: ApiToken) -> ApiToken:
    """SQLite gives naive datetimes back; every time here is UTC."""
    token.created_at = utc(token.created_at)
    if token.expires_at is not None:
        token.expires_at = utc(token.expires_at)
    if token.revoked_at is not None:
        token.revoked_at = utc(token.revoked_at)
    return token
