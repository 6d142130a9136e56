"""Contact-list changes, from the append-only contact_change table.

A list is replaced as a whole; the entry says who replaced it and what it held
before and after (names and addresses: the audit log is for admins, a
municipality's timeline for those who may read its contacts anyway).
"""

from onboarding.domain.calendar import oslo_date
from onboarding.history.entries import AuditEntry, TableSource
from onboarding.store.database import utc
from onboarding.store.tables.contacts import ContactChangeRow


class ContactChangeSource(TableSource):
    """A contact list replaced takes effect when it is recorded."""

    name = "contact_change"
    kinds = ("contact_change",)
    table = ContactChangeRow

    def entry(self, row: ContactChangeRow) -> AuditEntry:
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind="contact_change",
            municipality_number=row.municipality_number,
            actor=row.actor,
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
