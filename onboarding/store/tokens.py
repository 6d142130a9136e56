"""API tokens: random bearer secrets, stored only as their SHA-256.

A secret is `onb_` followed by `secrets.token_urlsafe(32)` (256 random bits).
With that much entropy a fast hash is the right one: no guessing attack can
find a preimage, and a slow password hash would only slow down every request.
The secret is returned once, when the token is created, and never again.

Roles are ordered: viewer (reads) < coordinator (reads and transitions) <
admin (everything, including tokens and loading the region). The
municipality role stands beside that ladder: it reads less than a viewer
(only the municipalities in its scope) and may write what a viewer may not
(those municipalities' contacts and checklist evidence), so neither covers
the other. What each role may call is decided in onboarding/access.py.

Creating and revoking a token is recorded in the append-only `token_event`
table with who did it (never the secret).
"""

import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from onboarding.domain.actor import Actor
from onboarding.domain.errors import RequestRejected
from onboarding.domain.party import PARTY_ID_PATTERN
from onboarding.store import token_cache
from onboarding.store.database import utc
from onboarding.store.tables.access import ApiTokenRow, TokenEventRow
from onboarding.store.tables.actor import actor_columns
from onboarding.store.tables.parties import MunicipalityRow

TOKEN_PREFIX = "onb_"
ADMIN_TOKEN_NAME = "admin"


class Role(StrEnum):
    """What a token may do; viewer < coordinator < admin, municipality apart."""

    VIEWER = "viewer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    MUNICIPALITY = "municipality"

    def covers(self, required: "Role") -> bool:
        """True if this role may do what `required` may."""
        if self is required:
            return True
        if Role.MUNICIPALITY in (self, required):
            return False
        return _LADDER.index(self) >= _LADDER.index(required)


# The program staff's roles, each including the ones before it.
STAFF_ROLES = (Role.VIEWER, Role.COORDINATOR, Role.ADMIN)
_LADDER = STAFF_ROLES
SYSTEM_ACTOR = Actor(id="system", name="system", role="system")


def parse_role(role: str) -> Role:
    """The role named `role`; RequestRejected naming the allowed ones otherwise."""
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise RequestRejected("role", f"unknown role {role!r}; allowed: {allowed}") from None


def parse_scope(role: Role, scope: str | Sequence[str] | None) -> str | None:
    """The stored form of a token's scope ("5001,gp-923609016"), checked against its role.

    A municipality token needs at least one party id: a municipality's number
    (the municipality and its GP offices and specialists) or another party's
    id (that party alone); other roles take none (RequestRejected on `scope`
    otherwise).
    """
    items = scope.split(",") if isinstance(scope, str) else list(scope or [])
    numbers = sorted({item.strip() for item in items if item.strip()})
    if role is not Role.MUNICIPALITY:
        if numbers:
            raise RequestRejected("scope", f"only the municipality role takes a scope, not {role}")
        return None
    if not numbers:
        raise RequestRejected(
            "scope",
            "the municipality role needs one or more municipality numbers or party ids, "
            "e.g. 5001,5006 or gp-923609016",
        )
    for number in numbers:
        if not re.fullmatch(PARTY_ID_PATTERN, number):
            raise RequestRejected(
                "scope",
                f"{number!r} is not a party id (a 4-digit municipality number, or gp-, "
                "specialist- or hospital- and a 9-digit organisation number)",
            )
    return ",".join(numbers)


def scope_of(token: ApiTokenRow) -> frozenset[str]:
    """The party ids a token is limited to (empty: not a municipality token)."""
    return frozenset(token.scope.split(",")) if token.scope else frozenset()


def hash_secret(secret: str) -> str:
    """The stored form of a secret: hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    engine: Engine,
    *,
    name: str,
    role: Role | str,
    expires_at: datetime | None = None,
    scope: str | Sequence[str] | None = None,
    by: Actor = SYSTEM_ACTOR,
    may_backdate: bool = False,
) -> tuple[ApiTokenRow, str]:
    """Create a token on behalf of `by`; returns it and its secret (the only time it is seen).

    A naive `expires_at` is taken as UTC. A municipality token's scope must
    name municipalities the read model knows. The creation is recorded in
    `token_event` in the same transaction. `may_backdate` is for the demo
    loader's tokens alone (embedded/demo.py): no route or command sets it.
    """
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 200:
        raise RequestRejected("name", "must be 1 to 200 characters")
    parsed_role = parse_role(role)
    stored_scope = parse_scope(parsed_role, scope)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    token = ApiTokenRow(
        name=cleaned,
        role=parsed_role.value,
        scope=stored_scope,
        token_hash=hash_secret(secret),
        created_at=now,
        expires_at=utc(expires_at) if expires_at is not None else None,
        may_backdate=may_backdate,
    )
    # Keep the attributes loaded after commit: the caller reads them detached.
    with Session(engine, expire_on_commit=False) as session:
        if stored_scope is not None:
            _check_known(session, stored_scope.split(","))
        session.add(token)
        session.flush()
        session.add(_event(token, "created", by=by, at=now))
        session.commit()
    return _aware(token), secret


def _check_known(session: Session, numbers: Sequence[str]) -> None:
    known = set(
        session.exec(
            select(MunicipalityRow.number).where(col(MunicipalityRow.number).in_(numbers))
        ).all()
    )
    unknown = [number for number in numbers if number not in known]
    if unknown:
        raise RequestRejected("scope", f"unknown party id(s): {', '.join(unknown)}")


def _event(token: ApiTokenRow, kind: str, *, by: Actor, at: datetime) -> TokenEventRow:
    assert token.id is not None
    return TokenEventRow(
        token_id=token.id,
        kind=kind,
        token_name=token.name,
        token_role=token.role,
        token_scope=token.scope,
        expires_at=token.expires_at,
        **actor_columns(by),
        recorded_at=at,
    )


def find_active_token(
    engine: Engine, *, secret: str, now: datetime | None = None
) -> ApiTokenRow | None:
    """The token whose secret this is, unless unknown, revoked or expired."""
    if not secret:
        return None
    moment = now or datetime.now(UTC)
    with Session(engine) as session:
        token = session.exec(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_secret(secret))
        ).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and utc(token.expires_at) <= moment:
        return None
    return _aware(token)


def recall_active_token(engine: Engine, *, secret: str) -> ApiTokenRow | None:
    """The active token of `secret` if it was looked up a moment ago (no SQL; see token_cache)."""
    return token_cache.recall(engine, hash_secret(secret), now=datetime.now(UTC))


def find_active_token_kept(engine: Engine, *, secret: str, seconds: float) -> ApiTokenRow | None:
    """find_active_token, and keep what it found for `seconds` (see token_cache)."""
    token = find_active_token(engine, secret=secret)
    if token is not None:
        token_cache.keep(engine, hash_secret(secret), token, seconds=seconds)
    return token


def list_tokens(engine: Engine) -> list[ApiTokenRow]:
    """Every token, active or not, oldest first."""
    with Session(engine) as session:
        tokens = session.exec(select(ApiTokenRow).order_by(ApiTokenRow.id)).all()  # type: ignore[arg-type]
    return [_aware(t) for t in tokens]


def revoke_token(engine: Engine, *, token_id: int, by: Actor = SYSTEM_ACTOR) -> ApiTokenRow | None:
    """Revoke a token (a second revoke keeps the first time); None if there is no such token.

    The revocation is recorded in `token_event`, once.
    """
    with Session(engine, expire_on_commit=False) as session:
        token = session.get(ApiTokenRow, token_id)
        if token is None:
            return None
        if token.revoked_at is None:
            now = datetime.now(UTC)
            token.revoked_at = now
            session.add(token)
            session.add(_event(token, "revoked", by=by, at=now))
            session.commit()
    token_cache.forget(engine, token_id)
    return _aware(token)


def revoke_token_as(engine: Engine, *, token_id: int, actor: Actor) -> ApiTokenRow | None:
    """Revoke a token on behalf of `actor_id`; a token may not revoke itself.

    Revoking the token in hand could lock the last admin out, so that is
    refused (RequestRejected on `token_id`). None if there is no such token.
    """
    if actor.id == f"token:{token_id}":
        raise RequestRejected("token_id", "a token cannot revoke itself; use another admin token")
    return revoke_token(engine, token_id=token_id, by=actor)


def actor_of(token: ApiTokenRow) -> Actor:
    """Who acts with this token, as the audit log names them (API and pages alike)."""
    return Actor(id=f"token:{token.id}", name=token.name, role=token.role)


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


def _aware(token: ApiTokenRow) -> ApiTokenRow:
    """SQLite gives naive datetimes back; every time here is UTC."""
    token.created_at = utc(token.created_at)
    if token.expires_at is not None:
        token.expires_at = utc(token.expires_at)
    if token.revoked_at is not None:
        token.revoked_at = utc(token.revoked_at)
    return token


def tokens_scoped_to(engine: Engine, party: str) -> list[ApiTokenRow]:
    """The tokens not revoked nor expired whose scope names `party`, oldest first."""
    now = datetime.now(UTC)
    return [
        token
        for token in list_tokens(engine)
        if party in scope_of(token)
        and token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
    ]


def extend_scope(engine: Engine, *, token_id: int, parties: Sequence[str], by: Actor) -> bool:
    """Add `parties` to a token's scope (a reform's successor); recorded in `token_event`
    as `rescoped`, once: False if the scope named them all already."""
    with Session(engine, expire_on_commit=False) as session:
        token = session.get(ApiTokenRow, token_id)
        if token is None:
            return False
        scope = list(token.scope.split(",")) if token.scope else []
        added = [p for p in parties if p not in scope]
        if not added:
            return False
        token.scope = ",".join([*scope, *added])
        session.add(token)
        session.add(_event(token, "rescoped", by=by, at=datetime.now(UTC)))
        session.commit()
    token_cache.forget(engine, token_id)
    return True
