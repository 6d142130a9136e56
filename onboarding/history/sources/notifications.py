"""Reminders and escalations, from the notification outbox (one entry per recipient)."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from onboarding.domain.calendar import oslo_date
from onboarding.history.entries import (
    SYSTEM_ACTOR,
    AuditEntry,
    AuditFilters,
    EventSource,
    day_start,
    key_select,
    recorded_between,
)
from onboarding.store.database import utc
from onboarding.store.tables.notifications import NotificationRow


class NotificationSource(EventSource):
    """The workflow's own doing: actor `system`; effective on the day it fell due (Oslo)."""

    name = "notification"
    kinds = ("reminder", "escalation")

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None
        if filters.actor is not None and filters.actor.lower() not in (
            SYSTEM_ACTOR.id,
            SYSTEM_ACTOR.name,
        ):
            return None
        created = col(NotificationRow.created_at)
        due = col(NotificationRow.due_at)
        conditions = recorded_between(created, filters)
        if filters.effective_from is not None:
            conditions.append(due >= day_start(filters.effective_from))
        if filters.effective_to is not None:
            conditions.append(due < day_start(filters.effective_to + timedelta(days=1)))
        if filters.kinds is not None:
            conditions.append(col(NotificationRow.kind).in_(filters.kinds))
        if filters.municipality is not None:
            conditions.append(col(NotificationRow.municipality_number) == filters.municipality)
        return key_select(self.name, created, col(NotificationRow.id), conditions)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(select(NotificationRow).where(col(NotificationRow.id).in_(ids))).all()
        return [
            AuditEntry(
                id=f"{self.name}:{row.id}",
                kind=row.kind,
                municipality_number=row.municipality_number,
                actor=SYSTEM_ACTOR,
                effective_on=oslo_date(utc(row.due_at)),
                recorded_at=utc(row.created_at),
                summary=(
                    f"{row.kind} ({row.message_key}) for {row.obligation_id} "
                    f"to {row.recipient_role}"
                    + (f" <{row.recipient_email}>" if row.recipient_email else "")
                    + f": {row.status}"
                ),
                evidence={},
                comment=None,
                details={
                    "obligation_id": row.obligation_id,
                    "deadline": row.deadline.isoformat(),
                    "level": row.level,
                    "message_key": row.message_key,
                    "recipient_role": row.recipient_role,
                    "recipient_email": row.recipient_email,
                    "status": row.status,
                    "subject": row.subject,
                    "due_at": utc(row.due_at).isoformat(),
                },
            )
            for row in rows
        ]
