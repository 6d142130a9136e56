"""Backdated recording by the demo loader: `entered_at` on four logs, `may_backdate` on tokens

The demo loader may give a record a recording time in the past
(domain/recording.py); such a row keeps the moment it was really entered in
`entered_at` (NULL on every other row, as on every row already there), on
audit_event, wave_event, checklist_completion and reform. A token may
backdate only if `may_backdate` (false for every token already there; only
`onboarding up --demo` makes one that may). Columns are added in place, so
the append-only triggers of the logs stay as they are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKDATABLE = ("audit_event", "wave_event", "checklist_completion", "reform")


def upgrade() -> None:
    for table in BACKDATABLE:
        op.add_column(table, sa.Column("entered_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "api_token",
        sa.Column("may_backdate", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("may_backdate")
    for table in BACKDATABLE:
        op.drop_column(table, "entered_at")
