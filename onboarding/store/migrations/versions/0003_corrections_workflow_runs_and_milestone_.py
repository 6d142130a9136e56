"""Corrections, workflow runs and milestone ranks (#5).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

`correction` is append-only, like the audit log. `audit_event.reached_rank`
(the furthest milestone a municipality had reached with that transition) is
derived data: rows written before this revision get it filled here, once, as
the running maximum per municipality (no correction can exist yet). That is
the one time audit rows are written after the fact, so the append-only guard
is lifted for that statement alone and put back at once; no recorded fact
(trigger, stages, dates, evidence, actor) changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from onboarding.domain.vocabulary import MILESTONE_RANK
from onboarding.store.database import append_only_statements

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "workflow_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_number", sa.String(length=4), nullable=False),
        sa.Column("workflow_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "run_id", name="uq_workflow_run"),
    )
    with op.batch_alter_table("workflow_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_run_municipality_number"), ["municipality_number"], unique=False
        )

    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_number", sa.String(length=4), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("target_seq", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("effective_on_before", sa.Date(), nullable=False),
        sa.Column("effective_on_after", sa.Date(), nullable=True),
        sa.Column("evidence_before", sa.JSON(), nullable=False),
        sa.Column("evidence_after", sa.JSON(), nullable=True),
        sa.Column("stage_before", sa.String(), nullable=False),
        sa.Column("stage_after", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_name", sa.String(), nullable=False),
        sa.Column("actor_role", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=True),
        sa.Column("workflow_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_event.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("municipality_number", "seq", name="uq_correction_seq"),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correction_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_correction_municipality_number"), ["municipality_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_correction_recorded_at"), ["recorded_at"], unique=False
        )

    # Not in batch mode: SQLite adds a column in place, so the audit table (and
    # its triggers) is never copied.
    op.add_column("audit_event", sa.Column("reached_rank", sa.Integer(), nullable=True))
    op.create_index(
        "ix_audit_event_latest",
        "audit_event",
        ["municipality_number", "effective_on", "seq"],
        unique=False,
        postgresql_include=["id", "to_stage", "reached_rank", "recorded_at"],
    )
    op.create_index("ix_audit_event_recorded_at", "audit_event", ["recorded_at"], unique=False)
    _fill_reached_rank(bind)
    for statement in append_only_statements(bind.dialect.name, "correction"):
        op.execute(statement)


def _fill_reached_rank(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT id, municipality_number, to_stage FROM audit_event "
            "ORDER BY municipality_number, seq"
        )
    ).all()
    if not rows:
        return
    rank_of = {stage.value: rank for stage, rank in MILESTONE_RANK.items()}
    ranks: list[dict[str, int]] = []
    reached: dict[str, int] = {}
    for event_id, number, to_stage in rows:
        rank = max(reached.get(number, 0), rank_of.get(to_stage, 0))
        reached[number] = rank
        ranks.append({"id": event_id, "rank": rank})
    update = sa.text("UPDATE audit_event SET reached_rank = :rank WHERE id = :id")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        bind.execute(update, ranks)
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        bind.execute(update, ranks)
        for statement in append_only_statements("sqlite", "audit_event"):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_audit_event_recorded_at", table_name="audit_event")
    op.drop_index("ix_audit_event_latest", table_name="audit_event")
    op.drop_column("audit_event", "reached_rank")

    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_correction_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_correction_municipality_number"))
        batch_op.drop_index(batch_op.f("ix_correction_event_id"))

    op.drop_table("correction")
    with op.batch_alter_table("workflow_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_run_municipality_number"))

    op.drop_table("workflow_run")
