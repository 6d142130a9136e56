"""Token events (created, revoked, rescoped by a reform), from the append-only token_event table.

They concern no municipality, so they appear in the program's audit log and
in no timeline. The secret is never in the table, so never here.
"""

from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlmodel import col

from onboarding.domain.calendar import oslo_date
from onboarding.history.entries import AuditEntry, AuditFilters, TableSource
from onboarding.store.database import utc
from onboarding.store.tables.access import TokenEventRow


class TokenEventSource(TableSource):
    """A token created, revoked or rescoped takes effect when it is recorded."""

    name = "token_event"
    kinds = ("token_created", "token_revoked", "token_rescoped")
    table = TokenEventRow

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if filters.municipality is not None:
            return None  # token events concern no municipality
        return super().keys(filters)

    def conditions(self, filters: AuditFilters) -> list[ColumnElement[bool]]:
        if filters.kinds is None:
            return []
        wanted = [kind.removeprefix("token_") for kind in filters.kinds]
        return [col(TokenEventRow.kind).in_(wanted)]

    def entry(self, row: TokenEventRow) -> AuditEntry:
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind=f"token_{row.kind}",
            municipality_number=None,
            actor=row.actor,
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
