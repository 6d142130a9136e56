"""Page sessions: opened by signing in (a token, or the identity provider), ended by sign-out
or timeouts.

The browser holds a random session id in an HttpOnly cookie; the table holds
its SHA-256, the token it acts as or the person it names, and the session's
CSRF token. A session ends when it has been idle too long, when it is too old,
when its token is revoked or expires, or at sign-out. A person's role is the
one their claims mapped to at sign-in, until the session ends (the absolute
timeout bounds how long a change at the provider waits). Ended sessions keep their row (with
`ended_at`), so a stolen cookie of an ended session never works again.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.domain.actor import Actor
from onboarding.settings import Settings
from onboarding.store.database import utc
from onboarding.store.tables.access import ApiTokenRow, WebSessionRow
from onboarding.store.tokens import actor_of, find_active_token, hash_secret

# The last-seen time is written at most this often, so reads stay reads.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Timeouts:
    """How long a session may stay unused, and how long it may live at all."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, settings: Settings) -> "Timeouts":
        """The session timeouts the settings ask for."""
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        )


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the cookie value (shown to the browser once) and its CSRF token."""

    session_id: str
    csrf_token: str
    actor: Actor


@dataclass(frozen=True)
class ActiveSession:
    """A live session, as a request sees it."""

    actor: Actor
    csrf_token: str


def open_session(
    engine: Engine, *, token_secret: str, now: datetime | None = None
) -> OpenedSession | None:
    """Sign in with an API token; None if the token is unknown, revoked or expired."""
    moment = now or datetime.now(UTC)
    token = find_active_token(engine, secret=token_secret.strip(), now=moment)
    if token is None or token.id is None:
        return None
    return _open(engine, actor_of(token), moment, token_id=token.id)


def open_person_session(
    engine: Engine, *, actor: Actor, id_token: str, now: datetime | None = None
) -> OpenedSession:
    """Sign in a person the identity provider vouched for, as `actor` (id, name, role)."""
    return _open(
        engine,
        actor,
        now or datetime.now(UTC),
        person_id=actor.id,
        person_name=actor.name,
        person_role=actor.role,
        id_token=id_token,
    )


def _open(engine: Engine, actor: Actor, moment: datetime, **who: Any) -> OpenedSession:
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(
            WebSessionRow(
                id_hash=hash_secret(session_id),
                csrf_token=csrf_token,
                created_at=moment,
                last_seen_at=moment,
                **who,
            )
        )
        session.commit()
    return OpenedSession(session_id, csrf_token, actor)


def _actor(row: WebSessionRow, token: ApiTokenRow | None) -> Actor | None:
    if token is not None:
        return actor_of(token)
    if row.person_id and row.person_name is not None and row.person_role:
        return Actor(id=row.person_id, name=row.person_name, role=row.person_role)
    return None


def find_session(
    engine: Engine, *, session_id: str, timeouts: Timeouts, now: datetime | None = None
) -> ActiveSession | None:
    """The live session with this id, touched; None (and ended) if it timed out."""
    if not session_id:
        return None
    moment = now or datetime.now(UTC)
    with Session(engine) as session:
        row = session.get(WebSessionRow, hash_secret(session_id))
        if row is None or row.ended_at is not None:
            return None
        token = None if row.token_id is None else session.get(ApiTokenRow, row.token_id)
        actor = _actor(row, token)
        alive = (
            actor is not None
            and (
                row.token_id is None
                or (
                    token is not None
                    and token.revoked_at is None
                    and (token.expires_at is None or utc(token.expires_at) > moment)
                )
            )
            and moment - utc(row.last_seen_at) < timeouts.idle
            and moment - utc(row.created_at) < timeouts.absolute
        )
        if not alive or actor is None:
            row.ended_at = moment
            session.add(row)
            session.commit()
            return None
        if moment - utc(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = moment
            session.add(row)
            session.commit()
        return ActiveSession(actor=actor, csrf_token=row.csrf_token)


def end_session(engine: Engine, *, session_id: str, now: datetime | None = None) -> str | None:
    """Sign out: the session's id never works again (repeating it changes nothing).

    Returns the ID token a person's session was opened with (the hint for signing
    out at the provider), None for a token's session or one already ended.
    """
    with Session(engine) as session:
        row = session.get(WebSessionRow, hash_secret(session_id))
        if row is None or row.ended_at is not None:
            return None
        row.ended_at = now or datetime.now(UTC)
        id_token = row.id_token
        session.add(row)
        session.commit()
        return id_token
