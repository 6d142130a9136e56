"""Page sessions: opened by signing in with an API token, ended by sign-out or timeouts.

The browser holds a random session id in an HttpOnly cookie; the table holds
its SHA-256, the token it acts as, and the session's CSRF token. A session
ends when it has been idle too long, when it is too old, when its token is
revoked or expires, or at sign-out. Ended sessions keep their row (with
`ended_at`), so a stolen cookie of an ended session never works again.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(
            WebSessionRow(
                id_hash=hash_secret(session_id),
                token_id=token.id,
                csrf_token=csrf_token,
                created_at=moment,
                last_seen_at=moment,
            )
        )
        session.commit()
    return OpenedSession(session_id, csrf_token, actor_of(token))


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
        token = session.get(ApiTokenRow, row.token_id)
        alive = (
            token is not None
            and token.revoked_at is None
            and (token.expires_at is None or utc(token.expires_at) > moment)
            and moment - utc(row.last_seen_at) < timeouts.idle
            and moment - utc(row.created_at) < timeouts.absolute
        )
        if not alive or token is None:
            row.ended_at = moment
            session.add(row)
            session.commit()
            return None
        if moment - utc(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = moment
            session.add(row)
            session.commit()
        return ActiveSession(actor=actor_of(token), csrf_token=row.csrf_token)


def end_session(engine: Engine, *, session_id: str, now: datetime | None = None) -> None:
    """Sign out: the session's id never works again (repeating it changes nothing)."""
    with Session(engine) as session:
        row = session.get(WebSessionRow, hash_secret(session_id))
        if row is not None and row.ended_at is None:
            row.ended_at = now or datetime.now(UTC)
            session.add(row)
            session.commit()
