"""Corrections of transitions, from the append-only correction table."""

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
from onboarding.store.tables.parties import CorrectionRow


class CorrectionSource(EventSource):
    """Amendments and voids: who, why, and what the transition said before and after.

    Its effective date is the corrected transition's (the corrected one for an
    amendment), so it sits beside that transition in a timeline.
    """

    name = "correction"
    kinds = ("correction",)

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None
        effective = col(CorrectionRow.effective_on_before)
        conditions = [
            *recorded_between(col(CorrectionRow.recorded_at), filters),
            *effective_between(effective, filters),
        ]
        conditions += narrowed(CorrectionRow, filters)
        return key_select(
            self.name, col(CorrectionRow.recorded_at), col(CorrectionRow.id), conditions
        )

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(select(CorrectionRow).where(col(CorrectionRow.id).in_(ids))).all()
        return [self._entry(row) for row in rows]

    def _entry(self, row: CorrectionRow) -> AuditEntry:
        if row.kind == "void":
            summary = (
                f"voided {row.trigger} (event {row.event_id}): "
                f"{row.stage_before} → {row.stage_after}"
            )
        else:
            changes = []
            if row.effective_on_after != row.effective_on_before:
                changes.append(f"effective {row.effective_on_before} → {row.effective_on_after}")
            if row.evidence_after is not None and row.evidence_after != row.evidence_before:
                changed = sorted(
                    k
                    for k in {*row.evidence_before, *row.evidence_after}
                    if row.evidence_before.get(k) != row.evidence_after.get(k)
                )
                changes.append(f"evidence {', '.join(changed)}")
            summary = f"amended {row.trigger} (event {row.event_id}): {'; '.join(changes)}"
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind="correction",
            municipality_number=row.municipality_number,
            actor=actor_of(row),
            effective_on=row.effective_on_after or row.effective_on_before,
            recorded_at=utc(row.recorded_at),
            summary=summary,
            evidence=dict(row.evidence_after or {}),
            comment=row.reason,
            details={
                "correction": row.kind,
                "event_id": row.event_id,
                "corrects": f"transition:{row.event_id}",
                "trigger": row.trigger,
                "effective_on_before": row.effective_on_before.isoformat(),
                "effective_on_after": row.effective_on_after.isoformat()
                if row.effective_on_after
                else None,
                "evidence_before": dict(row.evidence_before),
                "stage_before": row.stage_before,
                "stage_after": row.stage_after,
                "seq": row.seq,
            },
        )
