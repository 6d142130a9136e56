"""SQLModel tables for obligations: their current state, and every deadline change.

`deadline_change` is append-only like the audit log: moving a deadline adds a
row with the old and new date, the reason and who moved it.
"""

from datetime import date, datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from onboarding.store.tables.actor import ActorColumns
from onboarding.store.tables.keys import PARTY_ID_LENGTH


class ObligationRow(SQLModel, table=True):
    """One obligation of one municipality, as its workflow last recorded it."""

    __tablename__ = "obligation"

    municipality_number: str = Field(primary_key=True, max_length=PARTY_ID_LENGTH)
    obligation_id: str = Field(primary_key=True)
    label: str
    status: str = Field(index=True)
    deadline: date | None = Field(default=None, index=True)
    effective_deadline: date | None = None
    opened_on: date
    closed_on: date | None = None
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class DeadlineChangeRow(ActorColumns, table=True):
    """A deadline set or moved by a coordinator. Never updated, never deleted."""

    __tablename__ = "deadline_change"
    __table_args__ = (
        UniqueConstraint(
            "municipality_number", "obligation_id", "recorded_at", name="uq_deadline_change"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
    obligation_id: str
    deadline_before: date | None = None
    deadline_after: date
    reason: str
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    workflow_id: str
    run_id: str
