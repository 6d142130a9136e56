"""Checklist items marked done, from the append-only checklist_completion table."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from onboarding.history.entries import (
    AuditEntry,
    AuditFilters,
    EventSource,
    actor_of,
    effective_between,
    key_select,
    narrowed,
    recorded_between,
)
from onboarding.store.database import utc
from onboarding.store.tables.waves import ChecklistCompletionRow


class ChecklistSource(EventSource):
    """An item done takes effect on the day it was done (`done_on`, often backdated).

    A completion names no wave (the item stays done through every move), so a
    `wave` filter keeps none of them.
    """

    name = "checklist_completion"
    kinds = ("checklist_completion",)

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None
        recorded = col(ChecklistCompletionRow.recorded_at)
        conditions = recorded_between(recorded, filters)
        conditions += effective_between(col(ChecklistCompletionRow.done_on), filters)
        conditions += narrowed(ChecklistCompletionRow, filters)
        return key_select(self.name, recorded, col(ChecklistCompletionRow.id), conditions)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(
            select(ChecklistCompletionRow).where(col(ChecklistCompletionRow.id).in_(ids))
        ).all()
        return [
            AuditEntry(
                id=f"{self.name}:{row.id}",
                kind="checklist_completion",
                municipality_number=row.municipality_number,
                actor=actor_of(row),
                effective_on=row.done_on,
                recorded_at=utc(row.recorded_at),
                summary=f"checklist item {row.item} done",
                evidence=dict(row.evidence),
                comment=row.comment,
                details={"item": row.item},
            )
            for row in rows
        ]
