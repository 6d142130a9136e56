"""The overdue report: open obligations whose (business-day) deadline has passed."""

from datetime import date

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.party import PartyKind
from onboarding.store.reforms import in_region_on
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tables.parties import MunicipalityRow


class OverdueObligation(BaseModel):
    """An open obligation past its deadline on the report's date."""

    number: str
    name: str
    kind: PartyKind = PartyKind.MUNICIPALITY
    obligation_id: str
    label: str
    deadline: date
    effective_deadline: date
    days_overdue: int


def overdue_obligations(
    engine: Engine, *, as_of: date, kind: PartyKind | None = None
) -> list[OverdueObligation]:
    """Open obligations with an effective deadline before `as_of`, most overdue first.

    Of parties of `kind` only, if given (None: every kind), in the region on
    `as_of` (store/reforms.py).
    """
    query = (
        select(ObligationRow, MunicipalityRow.name, MunicipalityRow.kind)
        .join(
            MunicipalityRow,
            col(MunicipalityRow.number) == col(ObligationRow.municipality_number),
        )
        .where(
            ObligationRow.status == ObligationStatus.OPEN.value,
            col(ObligationRow.effective_deadline) < as_of,
            in_region_on(as_of),
        )
    )
    if kind is not None:
        query = query.where(MunicipalityRow.kind == kind.value)
    with Session(engine) as session:
        rows = session.exec(query).all()
    report = [
        OverdueObligation(
            number=row.municipality_number,
            name=name,
            kind=PartyKind(party_kind),
            obligation_id=row.obligation_id,
            label=row.label,
            deadline=row.deadline or due,
            effective_deadline=due,
            days_overdue=(as_of - due).days,
        )
        for row, name, party_kind in rows
        if (due := row.effective_deadline) is not None
    ]
    return sorted(report, key=lambda o: (-o.days_overdue, o.number, o.obligation_id))
