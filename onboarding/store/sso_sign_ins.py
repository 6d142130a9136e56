"""Sign-ins under way at the identity provider: kept from the redirect until the callback.

The authorization request's `state`, `nonce` and PKCE `code_verifier` stay on
the server (table `sso_sign_in`, keyed by the SHA-256 of the state), so any API
process or replica can finish a sign-in another one began. A pending sign-in is
used once (taken, and deleted) and only within `PENDING_FOR`; older ones are
deleted whenever a new one begins.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete
from sqlmodel import Session, col

from onboarding.store.database import utc
from onboarding.store.tables.access import SsoSignInRow
from onboarding.store.tokens import hash_secret

# Time enough to type a password and answer a second factor at the provider.
PENDING_FOR = timedelta(minutes=10)


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback checks the provider's answer against."""

    nonce: str
    code_verifier: str
    next_path: str


def remember_sign_in(
    engine: Engine,
    *,
    state: str,
    nonce: str,
    code_verifier: str,
    next_path: str,
    now: datetime | None = None,
) -> None:
    """Keep a sign-in that is leaving for the provider (and forget the stale ones)."""
    moment = now or datetime.now(UTC)
    with Session(engine) as session:
        session.execute(
            delete(SsoSignInRow).where(col(SsoSignInRow.created_at) < moment - PENDING_FOR)
        )
        session.add(
            SsoSignInRow(
                state_hash=hash_secret(state),
                nonce=nonce,
                code_verifier=code_verifier,
                next_path=next_path,
                created_at=moment,
            )
        )
        session.commit()


def take_sign_in(
    engine: Engine, *, state: str, now: datetime | None = None
) -> PendingSignIn | None:
    """The pending sign-in of `state`, deleted; None if unknown, used already or too old."""
    moment = now or datetime.now(UTC)
    with Session(engine) as session:
        row = session.get(SsoSignInRow, hash_secret(state))
        if row is None:
            return None
        session.delete(row)
        session.commit()
        if moment - utc(row.created_at) >= PENDING_FOR:
            return None
        return PendingSignIn(row.nonce, row.code_verifier, row.next_path)
