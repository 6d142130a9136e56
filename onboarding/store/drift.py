"""Reads and repairs of the read model for reconciliation (onboarding.gateway.reconcile).

Repairs only ever write what a workflow says: an audit event it recorded (through
store.projection, so the write stays idempotent) or its current stage.
"""

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from onboarding.domain.vocabulary import Stage
from onboarding.store.database import session_scope
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow


def audit_seqs(engine: Engine) -> dict[str, list[int]]:
    """Every municipality's audit sequence numbers, ascending, duplicates kept."""
    found: dict[str, list[int]] = defaultdict(list)
    with Session(engine) as session:
        query = select(AuditEventRow.municipality_number, AuditEventRow.seq).order_by(
            AuditEventRow.municipality_number,
            AuditEventRow.seq,  # type: ignore[arg-type]
        )
        for number, seq in session.exec(query).all():
            found[number].append(seq)
    return dict(found)


def rows(engine: Engine) -> dict[str, MunicipalityRow]:
    """Every current-state row, by number."""
    with Session(engine) as session:
        return {row.number: row for row in session.exec(select(MunicipalityRow)).all()}


def set_current_stage(
    engine: Engine, *, number: str, stage: Stage, paused_from: Stage | None, seq: int
) -> None:
    """Put the workflow's stage on a row that holds the same seq but another stage."""
    with session_scope(engine) as session:
        row = session.get(MunicipalityRow, number)
        if row is None or row.last_seq != seq:
            return  # moved on meanwhile: the projection wrote a newer transition
        row.stage = stage.value
        row.paused_from = paused_from.value if paused_from else None
        row.updated_at = datetime.now(UTC)
        session.add(row)
