"""Deadline changes, from the append-only deadline_change table."""

from onboarding.domain.calendar import oslo_date
from onboarding.history.entries import AuditEntry, TableSource
from onboarding.store.database import utc
from onboarding.store.tables.obligations import DeadlineChangeRow


class DeadlineSource(TableSource):
    """A deadline set or moved takes effect when it is recorded: that day is its effective date."""

    name = "deadline_change"
    kinds = ("deadline_change",)
    table = DeadlineChangeRow

    def entry(self, row: DeadlineChangeRow) -> AuditEntry:
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind="deadline_change",
            municipality_number=row.municipality_number,
            actor=row.actor,
            effective_on=oslo_date(utc(row.recorded_at)),
            recorded_at=utc(row.recorded_at),
            summary=(
                f"deadline of {row.obligation_id}: "
                f"{row.deadline_before or 'none'} → {row.deadline_after}"
            ),
            comment=row.reason,
            details={
                "obligation_id": row.obligation_id,
                "deadline_before": row.deadline_before.isoformat() if row.deadline_before else None,
                "deadline_after": row.deadline_after.isoformat(),
                "workflow_id": row.workflow_id,
                "run_id": row.run_id,
            },
        )
