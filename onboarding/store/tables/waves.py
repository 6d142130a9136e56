"""SQLModel tables of production waves and readiness checklists.

`wave` and `wave_member` hold current state, written by the wave workflow's
activities; `wave_event` is the wave's append-only history (every date it
ever had, every member added, moved or removed, every decision and go-live);
`checklist_completion` keeps every checklist item marked done. The two
history tables refuse UPDATE and DELETE at the database (see store/database.py).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from onboarding.store.tables.actor import ActorColumns
from onboarding.store.tables.backdating import EnteredAt, entered_at_field
from onboarding.store.tables.keys import PARTY_ID_LENGTH


class WaveRow(SQLModel, table=True):
    """One wave as its workflow last recorded it."""

    __tablename__ = "wave"

    id: str = Field(primary_key=True, max_length=63)
    name: str = Field(max_length=200)
    health_trust: str | None = Field(default=None, max_length=200)
    go_live_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The offset it was given in (seconds east of UTC): shown back as local time.
    utc_offset_seconds: int = 0
    status: str = Field(index=True, max_length=20)
    recorded_after_the_fact: bool = False
    last_seq: int = 0
    workflow_id: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WaveMemberRow(SQLModel, table=True):
    """A municipality in a wave. The workflows keep it in one wave at a time."""

    __tablename__ = "wave_member"

    wave_id: str = Field(primary_key=True, max_length=63)
    number: str = Field(primary_key=True, max_length=PARTY_ID_LENGTH, index=True)
    name: str
    status: str = Field(max_length=20)
    seq: int
    joined_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    went_live_on: date | None = None


class WaveEventRow(ActorColumns, table=True):
    """One change of a wave. Never updated, never deleted."""

    __tablename__ = "wave_event"
    __table_args__ = (UniqueConstraint("wave_id", "seq", name="uq_wave_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: str = Field(index=True, max_length=63)
    seq: int
    kind: str = Field(max_length=40)
    number: str | None = Field(default=None, index=True, max_length=PARTY_ID_LENGTH)
    go_live_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    previous_go_live_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    other_wave: str | None = Field(default=None, max_length=63)
    reason: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    effective_on: date | None = None
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    workflow_id: str
    run_id: str
    # Backdated by the demo loader: when it was really entered (NULL otherwise).
    entered_at: EnteredAt = entered_at_field()


class ChecklistCompletionRow(ActorColumns, table=True):
    """A checklist item marked done. Never updated, never deleted."""

    __tablename__ = "checklist_completion"
    __table_args__ = (
        UniqueConstraint(
            "municipality_number", "item", "recorded_at", name="uq_checklist_completion"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
    item: str = Field(max_length=64)
    done_on: date
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = None
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Backdated by the demo loader: when it was really entered (NULL otherwise).
    entered_at: EnteredAt = entered_at_field()
