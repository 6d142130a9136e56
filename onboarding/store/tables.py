"""SQLModel tables of the read model.

`municipality` holds one current-state row per municipality; `audit_event` is
append-only (database triggers refuse UPDATE and DELETE, see database.py).
Both are written only by the workflows' activities. `api_token` holds the
API's bearer tokens (hashed), written by store/tokens.py.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class MunicipalityRow(SQLModel, table=True):
    """Current state of one municipality, as its workflow last recorded it."""

    __tablename__ = "municipality"

    number: str = Field(primary_key=True, max_length=4)
    name: str
    county: str
    health_trust: str
    stage: str = Field(index=True)
    paused_from: str | None = None
    last_seq: int = 0
    workflow_id: str
    run_id: str
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuditEvent(SQLModel, table=True):
    """One accepted transition. Never updated, never deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("municipality_number", "seq", name="uq_audit_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=4)
    seq: int
    trigger: str
    from_stage: str
    to_stage: str
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = None
    actor_id: str
    actor_name: str
    actor_role: str
    effective_on: date = Field(index=True)
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    idempotency_key: str | None = None
    workflow_id: str
    run_id: str


class ApiToken(SQLModel, table=True):
    """A bearer token of the API. Only the SHA-256 of the secret is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
