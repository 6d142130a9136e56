"""SQLModel tables of the history: corrections, and the engine runs behind each workflow.

`correction` is append-only like the audit log (database triggers refuse
UPDATE and DELETE, see database.py): a wrongly recorded transition is never
edited; a correction row says what was wrong, what is true instead, who said
so and why. Reports read the audit log through the corrections known at the
time asked about (store/point_in_time.py).

`workflow_run` remembers every Temporal run id a municipality's workflow had
(continue-as-new starts a new run), so the domain log links to the engine's
raw history for as long as Temporal keeps it, and says which runs there were
after it no longer does.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class CorrectionRow(SQLModel, table=True):
    """A compensating correction of one audit event. Never updated, never deleted."""

    __tablename__ = "correction"
    __table_args__ = (UniqueConstraint("municipality_number", "seq", name="uq_correction_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=4)
    # The workflow's sequence number: transitions and corrections share it, so
    # the current-state row only ever moves forward.
    seq: int
    kind: str = Field(max_length=10)
    event_id: int = Field(index=True, foreign_key="audit_event.id")
    target_seq: int
    trigger: str
    effective_on_before: date
    effective_on_after: date | None = None
    evidence_before: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    evidence_after: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    stage_before: str
    stage_after: str
    reason: str
    actor_id: str
    actor_name: str
    actor_role: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    idempotency_key: str | None = None
    workflow_id: str
    run_id: str


class WorkflowRunRow(SQLModel, table=True):
    """A run of a municipality's workflow, noted the first time one of its activities ran."""

    __tablename__ = "workflow_run"
    __table_args__ = (UniqueConstraint("workflow_id", "run_id", name="uq_workflow_run"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=4)
    workflow_id: str
    run_id: str
    first_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
