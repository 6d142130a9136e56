"""Transitions, from the append-only audit_event table."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from onboarding.history.entries import AuditEntry, TableSource
from onboarding.store.database import utc, utc_or_none
from onboarding.store.tables.parties import AuditEventRow, CorrectionRow


class TransitionSource(TableSource):
    """Every transition as recorded; `details.corrected_by` lists corrections of it."""

    name = "transition"
    kinds = ("transition",)
    table = AuditEventRow

    def effective_on(self) -> Any:
        return col(AuditEventRow.effective_on)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        corrected: dict[int, list[str]] = {}
        for correction_id, event_id in session.exec(
            select(CorrectionRow.id, CorrectionRow.event_id).where(
                col(CorrectionRow.event_id).in_(ids)
            )
        ).all():
            corrected.setdefault(event_id, []).append(f"correction:{correction_id}")
        return [
            self.entry(event, corrected.get(event.id or 0, [])) for event in self.rows(session, ids)
        ]

    def entry(self, row: AuditEventRow, corrected_by: list[str] | None = None) -> AuditEntry:
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind="transition",
            municipality_number=row.municipality_number,
            actor=row.actor,
            effective_on=row.effective_on,
            recorded_at=utc(row.recorded_at),
            entered_at=utc_or_none(row.entered_at),
            summary=f"{row.trigger}: {row.from_stage} → {row.to_stage}",
            evidence=dict(row.evidence),
            comment=row.comment,
            details={
                "event_id": row.id,
                "seq": row.seq,
                "trigger": row.trigger,
                "from_stage": row.from_stage,
                "to_stage": row.to_stage,
                "workflow_id": row.workflow_id,
                "run_id": row.run_id,
                "corrected_by": corrected_by or [],
            },
        )
