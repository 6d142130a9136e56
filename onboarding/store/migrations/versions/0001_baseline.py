"""Baseline: the read model as `create_schema` made it before migrations existed.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

A database created by that older code has these tables but no alembic_version.
This revision therefore creates each table only if it is missing, so running it
on such a database adopts it (fills in what an older version lacked) instead of
failing; on an empty database it creates everything. Later revisions are
ordinary: they assume exactly the schema their predecessor left.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from onboarding.store.database import append_only_statements

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_event", "deadline_change")


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    if "api_token" not in existing:
        op.create_table(
            "api_token",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_api_token_token_hash"), "api_token", ["token_hash"], unique=True)
    if "audit_event" not in existing:
        op.create_table(
            "audit_event",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("municipality_number", sa.String(length=4), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("trigger", sa.String(), nullable=False),
            sa.Column("from_stage", sa.String(), nullable=False),
            sa.Column("to_stage", sa.String(), nullable=False),
            sa.Column("evidence", sa.JSON(), nullable=False),
            sa.Column("comment", sa.String(), nullable=True),
            sa.Column("actor_id", sa.String(), nullable=False),
            sa.Column("actor_name", sa.String(), nullable=False),
            sa.Column("actor_role", sa.String(), nullable=False),
            sa.Column("effective_on", sa.Date(), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("idempotency_key", sa.String(), nullable=True),
            sa.Column("workflow_id", sa.String(), nullable=False),
            sa.Column("run_id", sa.String(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("municipality_number", "seq", name="uq_audit_event_seq"),
        )
        op.create_index(
            op.f("ix_audit_event_effective_on"), "audit_event", ["effective_on"], unique=False
        )
        op.create_index(
            op.f("ix_audit_event_municipality_number"),
            "audit_event",
            ["municipality_number"],
            unique=False,
        )
    if "deadline_change" not in existing:
        op.create_table(
            "deadline_change",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("municipality_number", sa.String(length=4), nullable=False),
            sa.Column("obligation_id", sa.String(), nullable=False),
            sa.Column("deadline_before", sa.Date(), nullable=True),
            sa.Column("deadline_after", sa.Date(), nullable=False),
            sa.Column("reason", sa.String(), nullable=False),
            sa.Column("actor_id", sa.String(), nullable=False),
            sa.Column("actor_name", sa.String(), nullable=False),
            sa.Column("actor_role", sa.String(), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("workflow_id", sa.String(), nullable=False),
            sa.Column("run_id", sa.String(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint(
                "municipality_number", "obligation_id", "recorded_at", name="uq_deadline_change"
            ),
        )
        op.create_index(
            op.f("ix_deadline_change_municipality_number"),
            "deadline_change",
            ["municipality_number"],
            unique=False,
        )
    if "municipality" not in existing:
        op.create_table(
            "municipality",
            sa.Column("number", sa.String(length=4), nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("county", sa.String(), nullable=False),
            sa.Column("health_trust", sa.String(), nullable=False),
            sa.Column("stage", sa.String(), nullable=False),
            sa.Column("paused_from", sa.String(), nullable=True),
            sa.Column("last_seq", sa.Integer(), nullable=False),
            sa.Column("workflow_id", sa.String(), nullable=False),
            sa.Column("run_id", sa.String(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("number"),
        )
        op.create_index(op.f("ix_municipality_stage"), "municipality", ["stage"], unique=False)
    if "notification" not in existing:
        op.create_table(
            "notification",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(length=1000), nullable=False),
            sa.Column("message_id", sa.String(length=600), nullable=False),
            sa.Column("municipality_number", sa.String(length=4), nullable=False),
            sa.Column("municipality_name", sa.String(length=100), nullable=False),
            sa.Column("obligation_id", sa.String(length=200), nullable=False),
            sa.Column("obligation_label", sa.String(length=500), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("message_key", sa.String(length=200), nullable=False),
            sa.Column("level", sa.Integer(), nullable=True),
            sa.Column("offset_days", sa.Integer(), nullable=True),
            sa.Column("deadline", sa.Date(), nullable=False),
            sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("recipient_role", sa.String(length=40), nullable=False),
            sa.Column("recipient_name", sa.String(length=200), nullable=True),
            sa.Column("recipient_email", sa.String(length=320), nullable=True),
            sa.Column("subject", sa.String(), nullable=False),
            sa.Column("body", sa.String(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("last_error", sa.String(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("key"),
        )
        op.create_index(op.f("ix_notification_due_at"), "notification", ["due_at"], unique=False)
        op.create_index(
            op.f("ix_notification_message_id"), "notification", ["message_id"], unique=False
        )
        op.create_index(
            op.f("ix_notification_municipality_number"),
            "notification",
            ["municipality_number"],
            unique=False,
        )
        op.create_index(op.f("ix_notification_status"), "notification", ["status"], unique=False)
    if "obligation" not in existing:
        op.create_table(
            "obligation",
            sa.Column("municipality_number", sa.String(length=4), nullable=False),
            sa.Column("obligation_id", sa.String(), nullable=False),
            sa.Column("label", sa.String(), nullable=False),
            sa.Column("status", sa.String(), nullable=False),
            sa.Column("deadline", sa.Date(), nullable=True),
            sa.Column("effective_deadline", sa.Date(), nullable=True),
            sa.Column("opened_on", sa.Date(), nullable=False),
            sa.Column("closed_on", sa.Date(), nullable=True),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("municipality_number", "obligation_id"),
        )
        op.create_index(op.f("ix_obligation_deadline"), "obligation", ["deadline"], unique=False)
        op.create_index(op.f("ix_obligation_status"), "obligation", ["status"], unique=False)
    if "contact" not in existing:
        op.create_table(
            "contact",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("municipality_number", sa.String(length=4), nullable=True),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("role", sa.String(length=40), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("email", sa.String(length=320), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_by", sa.String(length=200), nullable=False),
            sa.Column("updated_by_id", sa.String(length=100), nullable=False),
            sa.ForeignKeyConstraint(
                ["municipality_number"],
                ["municipality.number"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_contact_municipality_number"), "contact", ["municipality_number"], unique=False
        )

    # A person holds a role once per list; NULL (the program) is made comparable
    # by the coalesce. Autogenerate cannot reflect expression indexes: keep by hand.
    op.create_index(
        "uq_contact_scope_role_email",
        "contact",
        [sa.text("coalesce(municipality_number, '')"), "role", sa.text("lower(email)")],
        unique=True,
        if_not_exists=True,
    )
    for table in APPEND_ONLY:
        for statement in append_only_statements(bind.dialect.name, table):
            op.execute(statement)


def downgrade() -> None:
    # The baseline is not taken down: it holds the audit log, which is never dropped
    # by a tool. Restore a backup instead (deploy/README.md).
    raise NotImplementedError("the baseline revision cannot be downgraded; restore a backup")
