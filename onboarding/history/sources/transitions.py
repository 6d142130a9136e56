"""Transitions, from the append-only audit_event table."""

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
from onboarding.store.tables.parties import AuditEventRow, CorrectionRow


class TransitionSource(EventSource):
    """Every transition as recorded; `details.corrected_by` lists corrections of it."""

    name = "transition"
    kinds = ("transition",)

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None  # transitions belong to municipalities, not waves
        conditions = [
            *recorded_between(col(AuditEventRow.recorded_at), filters),
            *effective_between(col(AuditEventRow.effective_on), filters),
        ]
        conditions += narrowed(AuditEventRow, filters)
        return key_select(
            self.name, col(AuditEventRow.recorded_at), col(AuditEventRow.id), conditions
        )

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        events = session.exec(select(AuditEventRow).where(col(AuditEventRow.id).in_(ids))).all()
        corrected: dict[int, list[str]] = {}
        for correction_id, event_id in session.exec(
            select(CorrectionRow.id, CorrectionRow.event_id).where(
                col(CorrectionRow.event_id).in_(ids)
            )
        ).all():
            corrected.setdefault(event_id, []).append(f"correction:{correction_id}")
        return [
            AuditEntry(
                id=f"{self.name}:{event.id}",
                kind="transition",
                municipality_number=event.municipality_number,
                actor=actor_of(event),
                effective_on=event.effective_on,
                recorded_at=utc(event.recorded_at),
                summary=f"{event.trigger}: {event.from_stage} → {event.to_stage}",
                evidence=dict(event.evidence),
                comment=event.comment,
                details={
                    "event_id": event.id,
                    "seq": event.seq,
                    "trigger": event.trigger,
                    "from_stage": event.from_stage,
                    "to_stage": event.to_stage,
                    "workflow_id": event.workflow_id,
                    "run_id": event.run_id,
                    "corrected_by": corrected.get(event.id or 0, []),
                },
            )
            for event in events
        ]
