"""SQLModel tables of the read model.

`municipality` holds one current-state row per municipality; `audit_event` is
append-only (database triggers refuse UPDATE and DELETE, see database.py).
Both are written only by the workflows' activities. `api_token` holds the
API's bearer tokens (hashed), written by store/tokens.py.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
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
    __table_args__ = (
        UniqueConstraint("municipality_number", "seq", name="uq_audit_event_seq"),
        # The program audit log pages and exports in recording order.
        Index("ix_audit_event_recorded_at", "recorded_at"),
        # Point-in-time reports find each municipality's latest transition on a
        # date with one probe of this index (store/point_in_time.py); on
        # PostgreSQL the included columns make it an index-only probe.
        Index(
            "ix_audit_event_latest",
            "municipality_number",
            "effective_on",
            "seq",
            postgresql_include=["id", "to_stage", "reached_rank", "recorded_at"],
        ),
    )

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
    # The furthest milestone rank (process.MILESTONE_RANK) the municipality had
    # reached with this transition, over the transitions in force when it was
    # recorded. Written once with the row (store/projection.py), so a report
    # needs only the latest transition on a date, not all of them.
    reached_rank: int | None = None


class ApiToken(SQLModel, table=True):
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


class ContactRow(SQLModel, table=True):
    """Someone messages go to: a municipality's contact, or the program's (no number).

    A list (one municipality's, or the program's) is replaced as a whole, see
    store/contacts.py; `position` keeps the order it was given in.
    """

    __tablename__ = "contact"
    __table_args__ = (
        # A person holds a role once per list. NULL (the program) is not equal to
        # itself in a unique index, hence the coalesce; case never makes two people.
        Index(
            "uq_contact_scope_role_email",
            text("coalesce(municipality_number, '')"),
            "role",
            text("lower(email)"),
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str | None = Field(
        default=None, index=True, max_length=4, foreign_key="municipality.number"
    )
    position: int
    role: str = Field(max_length=40)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_by: str = Field(max_length=200, description="name of the token that set the list")
    updated_by_id: str = Field(max_length=100, description="id of that token, e.g. token:3")


class NotificationRow(SQLModel, table=True):
    """One message to one recipient: the outbox, written before anything is sent.

    `key` is unique, so a retried or replayed enqueue never writes a message
    twice; `status` says where delivery stands (onboarding.domain.notifications).
    """

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=1000)
    # The message this row is one recipient of: number:obligation:deadline:message_key.
    message_id: str = Field(index=True, max_length=600)
    municipality_number: str = Field(index=True, max_length=4)
    municipality_name: str = Field(max_length=100)
    obligation_id: str = Field(max_length=200)
    obligation_label: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    message_key: str = Field(max_length=200)
    level: int | None = None
    offset_days: int | None = None
    deadline: date
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    recipient_role: str = Field(max_length=40)
    recipient_name: str | None = Field(default=None, max_length=200)
    recipient_email: str | None = Field(default=None, max_length=320)
    subject: str
    body: str
    status: str = Field(index=True, max_length=20)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
