"""Contact-list changes, from the append-only contact_change table.

A list is replaced as a whole; the entry says who replaced it and what it held
before and after (names and addresses: the audit log is for admins, a
municipality's timeline for those who may read its contacts anyway).
"""

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
from onboarding.store.tables.contacts import ContactChangeRow


class ContactChangeSource(EventSource):
    """A contact list replaced takes effect when it is recorded."""

    name = "contact_change"
    kinds = ("contact_change",)

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None
        recorded = col(ContactChangeRow.recorded_at)
        conditions = recorded_is_effective(recorded, filters)
        conditions += narrowed(ContactChangeRow, filters)
        return key_select(self.name, recorded, col(ContactChangeRow.id), conditions)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(select(ContactChangeRow).where(col(ContactChangeRow.id).in_(ids))).all()
        return [
            AuditEntry(
                id=f"{self.name}:{row.id}",
                kind="contact_change",
                municipality_number=row.municipality_number,
                actor=actor_of(row),
                effective_on=oslo_date(utc(row.recorded_at)),
                recorded_at=utc(row.recorded_at),
                summary=(
                    f"{'program' if row.municipality_number is None else 'municipality'} "
                    f"contacts replaced: {len(row.contacts_before)} → {len(row.contacts_after)}"
                ),
                details={
                    "list": "program" if row.municipality_number is None else "municipality",
                    "before": row.contacts_before,
                    "after": row.contacts_after,
                },
            )
            for row in rows
        ]
