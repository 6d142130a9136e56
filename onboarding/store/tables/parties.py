"""SQLModel tables of the parties (municipalities): current state, transitions, corrections.

`municipality` holds one current-state row per municipality; `audit_event` is
append-only (database triggers refuse UPDATE and DELETE, see store/database.py).
Both are written only by the workflows' activities.

`correction` is append-only like the audit log: a wrongly recorded transition
is never edited; a correction row says what was wrong, what is true instead,
who said so and why. Reports read the audit log through the corrections known
at the time asked about (store/point_in_time.py).

`workflow_run` remembers every Temporal run id a municipality's workflow had
(continue-as-new starts a new run), so the domain log links to the engine's
raw history for as long as Temporal keeps it, and says which runs there were
after it no longer does.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from onboarding.store.tables.actor import ActorColumns
from onboarding.store.tables.backdating import EnteredAt, entered_at_field
from onboarding.store.tables.keys import PARTY_ID_LENGTH


class MunicipalityRow(SQLModel, table=True):
    """Current state of one party (any kind), as its workflow last recorded it.

    The table kept the name it had when municipalities were the only kind:
    `number` is the party's id (a municipality's is its number).
    """

    __tablename__ = "municipality"

    number: str = Field(primary_key=True, max_length=PARTY_ID_LENGTH)
    name: str
    county: str
    health_trust: str
    kind: str = Field(default="municipality", max_length=20, index=True)
    org_number: str | None = Field(default=None, max_length=9, index=True)
    # The municipality it is (a municipality) or practises in (a GP office, a
    # specialist): what `?municipality=` filters on and whose page lists it.
    home_municipality: str | None = Field(default=None, max_length=4, index=True)
    # A municipality's number now, where a renumbering (a reform, #20) gave it
    # another than its id; NULL: its number is its id. Other kinds have none.
    current_number: str | None = Field(default=None, max_length=4, index=True)
    specialty: str | None = Field(default=None, max_length=100)
    staff_count: int | None = None
    stage: str = Field(index=True)
    paused_from: str | None = None
    last_seq: int = 0
    workflow_id: str
    run_id: str
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PartyIdentifierRow(SQLModel, table=True):
    """An identifier that resolves to a party, for the period it was valid.

    A municipality number or an organisation number names a party for a time;
    a reform renumbers a municipality (#20) and the old number keeps resolving
    to the same party for the dates it was valid. `valid_to` is exclusive;
    NULL means it is valid still.
    """

    __tablename__ = "party_identifier"
    __table_args__ = (
        UniqueConstraint("scheme", "value", "valid_from", name="uq_party_identifier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    scheme: str = Field(max_length=30)  # municipality_number | org_number
    value: str = Field(max_length=20, index=True)
    party_id: str = Field(max_length=PARTY_ID_LENGTH, index=True)
    valid_from: date | None = None
    valid_to: date | None = None


class AuditEventRow(ActorColumns, table=True):
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
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
    seq: int
    trigger: str
    from_stage: str
    to_stage: str
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = None
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
    # Backdated by the demo loader: when it was really entered (NULL otherwise).
    entered_at: EnteredAt = entered_at_field()


class CorrectionRow(ActorColumns, table=True):
    """A compensating correction of one audit event. Never updated, never deleted."""

    __tablename__ = "correction"
    __table_args__ = (UniqueConstraint("municipality_number", "seq", name="uq_correction_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
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
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    idempotency_key: str | None = None
    workflow_id: str
    run_id: str


class PartyLogRow(SQLModel, table=True):
    """How far one party's log is: its audit events and corrections counted, its latest
    transition's seq and effective date. Kept by database triggers on every insert into
    `audit_event` and `correction` (store/party_log.py), never written by code.

    The dashboard's version of the log (store/report_cache.py, store/log_changes.py)
    sums the counts instead of counting a million rows, and the work list judges
    stuck parties from it instead of probing each party's log.
    """

    __tablename__ = "party_log"

    municipality_number: str = Field(primary_key=True, max_length=PARTY_ID_LENGTH)
    events: int
    corrections: int
    # 0 and NULL while the party has corrections counted but no event (never so far).
    last_seq: int
    last_effective_on: date | None = None


class WorkflowRunRow(SQLModel, table=True):
    """A run of a municipality's workflow, noted the first time one of its activities ran."""

    __tablename__ = "workflow_run"
    __table_args__ = (UniqueConstraint("workflow_id", "run_id", name="uq_workflow_run"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
    workflow_id: str
    run_id: str
    first_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ProcessMigrationRow(ActorColumns, table=True):
    """A party moved to another process version or policy, once. Never updated, never deleted."""

    __tablename__ = "process_migration"
    __table_args__ = (
        UniqueConstraint("municipality_number", "migration_id", name="uq_process_migration"),
    )

    id: int | None = Field(default=None, primary_key=True)
    migration_id: str = Field(index=True, max_length=63)
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
    from_version: int
    to_version: int
    from_stage: str
    to_stage: str
    reason: str
    # The effect as the workflow applied it: obligations opened and cancelled,
    # timers cancelled, re-armed or firing at once (MigrationEffect).
    effect: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    workflow_id: str
    run_id: str
