"""SQLModel tables of access: API tokens, who created and revoked them, page sessions.

`api_token` holds the API's bearer tokens (only the SHA-256 of each secret),
written by store/tokens.py. `token_event` records every token created or
revoked, by whom, with the token's name, role, scope and expiry (never its
secret or hash); it is append-only (database triggers refuse UPDATE and
DELETE, see store/database.py). `web_session` holds the pages' sign-in
sessions (server side; the cookie holds only an id), store/sessions.py, and
`sso_sign_in` the sign-ins under way at the identity provider (their state,
nonce and PKCE verifier until the browser comes back), store/sso_sign_ins.py.
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from onboarding.store.tables.actor import ActorColumns


class ApiTokenRow(SQLModel, table=True):
    """A bearer token of the API. Only the SHA-256 of the secret is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    # The municipality role's municipality numbers, comma-separated ("5001,5006").
    scope: str | None = Field(default=None, max_length=2000)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # May give a recording time in the past (domain/recording.py): only the token
    # `onboarding up --demo` makes for its loader; no API or CLI sets it.
    may_backdate: bool = False


class TokenEventRow(ActorColumns, table=True):
    """A token created or revoked. Never updated, never deleted."""

    __tablename__ = "token_event"

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(index=True, foreign_key="api_token.id")
    kind: str = Field(max_length=20)  # created | revoked
    token_name: str = Field(max_length=200)
    token_role: str = Field(max_length=20)
    token_scope: str | None = Field(default=None, max_length=2000)
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class WebSessionRow(SQLModel, table=True):
    """One signed-in browser. Only the SHA-256 of the cookie's id is kept.

    A session signed in with a token acts as that token: revoking the token ends
    every session opened with it at the next request. A session signed in through
    the identity provider has no token: it names the person (the `person_*`
    columns, from the ID token) and keeps the ID token for signing out at the
    provider.
    """

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    token_id: int | None = Field(default=None, index=True, foreign_key="api_token.id")
    person_id: str | None = Field(default=None, max_length=300)
    person_name: str | None = Field(default=None, max_length=300)
    person_role: str | None = Field(default=None, max_length=20)
    id_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The synchronizer token every form of this session carries (CSRF).
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ended_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SsoSignInRow(SQLModel, table=True):
    """A sign-in under way at the identity provider, deleted when the browser comes back.

    Keyed by the SHA-256 of its `state`; the nonce and the PKCE verifier never leave
    the server.
    """

    __tablename__ = "sso_sign_in"

    state_hash: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=200)
    code_verifier: str = Field(max_length=200)
    next_path: str = Field(max_length=2000)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
