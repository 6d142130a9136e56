"""Corrections of transitions, from the append-only correction table."""

from typing import Any

from sqlmodel import col

from onboarding.history.entries import AuditEntry, TableSource
from onboarding.store.database import utc
from onboarding.store.tables.parties import CorrectionRow


class CorrectionSource(TableSource):
    """Amendments and voids: who, why, and what the transition said before and after.

    Its effective date is the corrected transition's (the corrected one for an
    amendment), so it sits beside that transition in a timeline.
    """

    name = "correction"
    kinds = ("correction",)
    table = CorrectionRow

    def effective_on(self) -> Any:
        return col(CorrectionRow.effective_on_before)

    def entry(self, row: CorrectionRow) -> AuditEntry:
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
            actor=row.actor,
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
