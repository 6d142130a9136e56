"""Token events (created, revoked), from the append-only token_event table.

They concern no municipality, so they appear in the program's audit log and
in no timeline. The secret is never in the table, so never here.
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
    actor_is,
    actor_of,
    key_select,
    recorded_is_effective,
)
from onboarding.store.database import utc
from onboarding.store.tables.access import TokenEventRow


class TokenEventSource(EventSource):
    """A token created or revoked takes effect when it is recorded."""

    name = "token_event"
    kinds = ("token_created", "token_revoked")

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None or filters.municipality:
            return None
        recorded = col(TokenEventRow.recorded_at)
        conditions = recorded_is_effective(recorded, filters)
        if filters.kinds is not None:
            wanted = [kind.removeprefix("token_") for kind in filters.kinds]
            conditions.append(col(TokenEventRow.kind).in_(wanted))
        if filters.actor is not None:
            conditions.append(
                actor_is(TokenEventRow.actor_id, TokenEventRow.actor_name, filters.actor)
            )
        return key_select(self.name, recorded, col(TokenEventRow.id), conditions)

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        rows = session.exec(select(TokenEventRow).where(col(TokenEventRow.id).in_(ids))).all()
        return [
            AuditEntry(
                id=f"{self.name}:{row.id}",
                kind=f"token_{row.kind}",
                municipality_number=None,
                actor=actor_of(row),
                effective_on=oslo_date(utc(row.recorded_at)),
                recorded_at=utc(row.recorded_at),
                summary=(
                    f"token {row.token_id} ({row.token_name}, {row.token_role}"
                    f"{' ' + row.token_scope if row.token_scope else ''}) {row.kind}"
                ),
                details={
                    "token_id": row.token_id,
                    "name": row.token_name,
                    "role": row.token_role,
                    "scope": row.token_scope.split(",") if row.token_scope else [],
                    "expires_at": utc(row.expires_at).isoformat() if row.expires_at else None,
                },
            )
            for row in rows
        ]
