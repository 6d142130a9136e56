"""Production waves (#4) and page sessions (#6).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

`wave_event` and `checklist_completion` are append-only, like the audit log.
Each table is created only if missing: a database made by `create_schema` of a
development build that had these tables before this revision is adopted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from onboarding.store.database import append_only_statements

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY = ("wave_event", "checklist_completion")


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    if "checklist_completion" not in existing:
        op.create_table(
            "checklist_completion",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("municipality_number", sa.String(length=4), nullable=False),
            sa.Column("item", sa.String(length=64), nullable=False),
            sa.Column("done_on", sa.Date(), nullable=False),
            sa.Column("evidence", sa.JSON(), nullable=False),
            sa.Column("comment", sa.String(), nullable=True),
            sa.Column("actor_id", sa.String(), nullable=False),
            sa.Column("actor_name", sa.String(), nullable=False),
            sa.Column("actor_role", sa.String(), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint(
                "municipality_number", "item", "recorded_at", name="uq_checklist_completion"
            ),
        )
        with op.batch_alter_table("checklist_completion", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_checklist_completion_municipality_number"),
                ["municipality_number"],
                unique=False,
            )

    if "wave" not in existing:
        op.create_table(
            "wave",
            sa.Column("id", sa.String(length=63), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("health_trust", sa.String(length=200), nullable=True),
            sa.Column("go_live_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("utc_offset_seconds", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("recorded_after_the_fact", sa.Boolean(), nullable=False),
            sa.Column("last_seq", sa.Integer(), nullable=False),
            sa.Column("workflow_id", sa.String(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("wave", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_wave_status"), ["status"], unique=False)

    if "wave_event" not in existing:
        op.create_table(
            "wave_event",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("wave_id", sa.String(length=63), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=40), nullable=False),
            sa.Column("number", sa.String(length=4), nullable=True),
            sa.Column("go_live_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("previous_go_live_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("other_wave", sa.String(length=63), nullable=True),
            sa.Column("reason", sa.String(), nullable=True),
            sa.Column("evidence", sa.JSON(), nullable=False),
            sa.Column("effective_on", sa.Date(), nullable=True),
            sa.Column("actor_id", sa.String(), nullable=False),
            sa.Column("actor_name", sa.String(), nullable=False),
            sa.Column("actor_role", sa.String(), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("workflow_id", sa.String(), nullable=False),
            sa.Column("run_id", sa.String(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("wave_id", "seq", name="uq_wave_event_seq"),
        )
        with op.batch_alter_table("wave_event", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_wave_event_number"), ["number"], unique=False)
            batch_op.create_index(batch_op.f("ix_wave_event_wave_id"), ["wave_id"], unique=False)

    if "wave_member" not in existing:
        op.create_table(
            "wave_member",
            sa.Column("wave_id", sa.String(length=63), nullable=False),
            sa.Column("number", sa.String(length=4), nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("went_live_on", sa.Date(), nullable=True),
            sa.PrimaryKeyConstraint("wave_id", "number"),
        )
        with op.batch_alter_table("wave_member", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_wave_member_number"), ["number"], unique=False)

    if "web_session" not in existing:
        op.create_table(
            "web_session",
            sa.Column("id_hash", sa.String(length=64), nullable=False),
            sa.Column("token_id", sa.Integer(), nullable=False),
            sa.Column("csrf_token", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(
                ["token_id"],
                ["api_token.id"],
            ),
            sa.PrimaryKeyConstraint("id_hash"),
        )
        with op.batch_alter_table("web_session", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_web_session_token_id"), ["token_id"], unique=False)
    for table in APPEND_ONLY:
        for statement in append_only_statements(bind.dialect.name, table):
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_token_id"))

    op.drop_table("web_session")
    with op.batch_alter_table("wave_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wave_member_number"))

    op.drop_table("wave_member")
    with op.batch_alter_table("wave_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wave_event_wave_id"))
        batch_op.drop_index(batch_op.f("ix_wave_event_number"))

    op.drop_table("wave_event")
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wave_status"))

    op.drop_table("wave")
    with op.batch_alter_table("checklist_completion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_completion_municipality_number"))

    op.drop_table("checklist_completion")
