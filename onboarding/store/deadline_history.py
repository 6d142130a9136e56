"""Reads of the deadline-change log: every date an obligation ever had, and why."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from onboarding.domain.actor import Actor
from onboarding.store.database import utc
from onboarding.store.tables.obligations import DeadlineChangeRow


class DeadlineChangeRecord(BaseModel):
    """A deadline set or moved: from what, to what, why, by whom, when."""

    obligation_id: str
    deadline_before: date | None
    deadline_after: date
    reason: str
    actor: Actor
    recorded_at: datetime


def deadline_changes(
    engine: Engine, *, number: str, obligation_id: str | None = None
) -> list[DeadlineChangeRecord]:
    """A municipality's deadline changes, oldest first, optionally for one obligation."""
    with Session(engine) as session:
        query = select(DeadlineChangeRow).where(DeadlineChangeRow.municipality_number == number)
        if obligation_id is not None:
            query = query.where(DeadlineChangeRow.obligation_id == obligation_id)
        rows = session.exec(query.order_by(col(DeadlineChangeRow.recorded_at))).all()
    return [
        DeadlineChangeRecord(
            obligation_id=row.obligation_id,
            deadline_before=row.deadline_before,
            deadline_after=row.deadline_after,
            reason=row.reason,
            actor=row.actor,
            recorded_at=utc(row.recorded_at),
        )
        for row in rows
    ]
