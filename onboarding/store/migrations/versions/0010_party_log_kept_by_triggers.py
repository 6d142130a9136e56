"""party_log: each party's log counted and its latest transition, kept by triggers

One row per party with a log: how many audit events and corrections it has,
and its latest transition's seq and effective date, filled from the logs here
and from then on kept by triggers on every insert into `audit_event` and
`correction` (onboarding/store/party_log.py). The dashboard's version of the
log sums it instead of counting a million rows; the work list judges stuck
parties from it. The logs themselves are not touched.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 17:31:10.429611
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from onboarding.store import party_log

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "party_log",
        sa.Column("municipality_number", sa.String(length=32), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_effective_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("municipality_number"),
    )
    party_log.install(op.get_bind())


def downgrade() -> None:
    party_log.uninstall(op.get_bind())
    op.drop_table("party_log")
