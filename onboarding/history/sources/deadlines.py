"""Deadline changes, from the append-only deadline_change table."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from onboarding.domain.calendar import oslo_date
from onboarding.history.entries import (
    AuditEntry,
    AuditFilters,
    EventSource,
    actor_of,
    key_select,
    narrowed,
    recorded_is_effective,
)
from onboarding.store.database import utc
from onboarding.store.tables.obligations import DeadlineChangeRow


class DeadlineSource(EventSource):
    """A deadline set or moved takes effect when it is recorded: that day is its effective date."""

    name = "deadline_change"
    kinds = ("deadline_change",)

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None
        recorded = col(DeadlineChangeRow.recorded_at)
        conditions = recorded_is_effective(recorded, filters)
        conditions += narrowed(DeadlineChangeRow, filters)
        return key_select(self.name, recorded, col(DeadlineChangeRow.id), conditions)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(
            select(DeadlineChangeRow).where(col(DeadlineChangeRow.id).in_(ids))
        ).all()
        return [
            AuditEntry(
                id=f"{self.name}:{row.id}",
                kind="deadline_change",
                municipality_number=row.municipality_number,
                actor=actor_of(row),
                effective_on=oslo_date(utc(row.recorded_at)),
                recorded_at=utc(row.recorded_at),
                summary=(
                    f"deadline of {row.obligation_id}: "
                    f"{row.deadline_before or 'none'} → {row.deadline_after}"
                ),
                comment=row.reason,
                details={
                    "obligation_id": row.obligation_id,
                    "deadline_before": row.deadline_before.isoformat()
                    if row.deadline_before
                    else None,
                    "deadline_after": row.deadline_after.isoformat(),
                    "workflow_id": row.workflow_id,
                    "run_id": row.run_id,
                },
            )
            for row in rows
        ]
