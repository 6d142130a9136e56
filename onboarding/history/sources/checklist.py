"""Checklist items marked done, from the append-only checklist_completion table."""

from typing import Any

from sqlmodel import col

from onboarding.history.entries import AuditEntry, TableSource
from onboarding.store.database import utc, utc_or_none
from onboarding.store.tables.waves import ChecklistCompletionRow


class ChecklistSource(TableSource):
    """An item done takes effect on the day it was done (`done_on`, often backdated).

    A completion names no wave (the item stays done through every move), so a
    `wave` filter keeps none of them.
    """

    name = "checklist_completion"
    kinds = ("checklist_completion",)
    table = ChecklistCompletionRow

    def effective_on(self) -> Any:
        return col(ChecklistCompletionRow.done_on)

    def entry(self, row: ChecklistCompletionRow) -> AuditEntry:
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind="checklist_completion",
            municipality_number=row.municipality_number,
            actor=row.actor,
            effective_on=row.done_on,
            recorded_at=utc(row.recorded_at),
            entered_at=utc_or_none(row.entered_at),
            summary=f"checklist item {row.item} done",
            evidence=dict(row.evidence),
            comment=row.comment,
            details={"item": row.item},
        )
