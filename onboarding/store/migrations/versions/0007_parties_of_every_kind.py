"""Parties of every kind: kind columns, identifiers, party ids longer than 4 characters

The current-state table (still called `municipality`) gains the party's kind,
organisation number, home municipality, specialty and staff count; existing
rows are municipalities whose home is themselves. `party_identifier` resolves
municipality and organisation numbers to party ids, for the period each was
valid; every existing municipality's number is entered, valid from the start.
Every column that holds a party id widens from 4 to 32 characters
(`gp-923609016`). On SQLite a column's type changes only by copying its table,
which drops the table's triggers and its index on expressions, so both are
made again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from onboarding.store.database import append_only_statements

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The append-only tables at this revision (later revisions add more; their
# triggers are theirs to make).
APPEND_ONLY_TABLES = (
    "audit_event",
    "deadline_change",
    "wave_event",
    "checklist_completion",
    "correction",
    "token_event",
    "contact_change",
    "process_migration",
)

# Every column that holds a party id, by table.
PARTY_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipality": ("number",),
    "audit_event": ("municipality_number",),
    "correction": ("municipality_number",),
    "workflow_run": ("municipality_number",),
    "process_migration": ("municipality_number",),
    "obligation": ("municipality_number",),
    "deadline_change": ("municipality_number",),
    "notification": ("municipality_number",),
    "contact": ("municipality_number",),
    "contact_change": ("municipality_number",),
    "wave_member": ("number",),
    "wave_event": ("number",),
    "checklist_completion": ("municipality_number",),
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite copies a table to change a column's type, and cannot reflect
        # this index on expressions to copy it along: dropped here, made again below.
        op.drop_index("uq_contact_scope_role_email", table_name="contact", if_exists=True)
    for table, columns in PARTY_ID_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.String(length=4),
                    type_=sa.String(length=32),
                    existing_nullable=table in ("contact",),
                )
    with op.batch_alter_table("municipality") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sa.String(length=20),
                nullable=False,
                server_default="municipality",
            )
        )
        batch.add_column(sa.Column("org_number", sa.String(length=9), nullable=True))
        batch.add_column(sa.Column("home_municipality", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("specialty", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("staff_count", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_municipality_kind"), ["kind"], unique=False)
        batch.create_index(batch.f("ix_municipality_org_number"), ["org_number"], unique=False)
        batch.create_index(
            batch.f("ix_municipality_home_municipality"), ["home_municipality"], unique=False
        )
    # The default was for the rows already there; the tables declare none.
    with op.batch_alter_table("municipality") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=20), server_default=None)
    op.execute("UPDATE municipality SET home_municipality = number")

    op.create_table(
        "party_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("party_id", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scheme", "value", "valid_from", name="uq_party_identifier"),
    )
    with op.batch_alter_table("party_identifier") as batch:
        batch.create_index(batch.f("ix_party_identifier_value"), ["value"], unique=False)
        batch.create_index(batch.f("ix_party_identifier_party_id"), ["party_id"], unique=False)
    op.execute(
        "INSERT INTO party_identifier (scheme, value, party_id) "
        "SELECT 'municipality_number', number, number FROM municipality"
    )

    if sqlite:
        op.create_index(
            "uq_contact_scope_role_email",
            "contact",
            [sa.text("coalesce(municipality_number, '')"), "role", sa.text("lower(email)")],
            unique=True,
            if_not_exists=True,
        )
        for table in APPEND_ONLY_TABLES:
            for statement in append_only_statements("sqlite", table):
                op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("party ids longer than 4 characters cannot be narrowed back")
