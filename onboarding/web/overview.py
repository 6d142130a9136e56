"""The region table of the dashboard, from the read model in a fixed number of queries.

One row per municipality: its stage, its wave and its next open deadline. No
Temporal query: with 67 municipalities a query each would cost more than the
whole page may take.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.store import queries
from onboarding.store.reforms import parties_in_region_on
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.waves import wave_names_by_member

# Municipality number -> wave name; a test may hand in its own lookup.
WaveLookup = Callable[[Engine], dict[str, str]]


@dataclass(frozen=True)
class RegionRow:
    """One line of the region table."""

    number: str
    name: str
    county: str
    health_trust: str
    stage: Stage
    wave: str
    next_deadline: date | None
    next_obligation: str | None
    overdue: bool


def open_deadlines(engine: Engine) -> dict[str, ObligationRow]:
    """Each municipality's open obligation with the earliest deadline."""
    with Session(engine) as session:
        rows = session.exec(
            select(ObligationRow)
            .where(
                ObligationRow.status == ObligationStatus.OPEN.value,
                col(ObligationRow.effective_deadline).is_not(None),
            )
            .order_by(col(ObligationRow.effective_deadline))
        ).all()
    earliest: dict[str, ObligationRow] = {}
    for row in rows:
        earliest.setdefault(row.municipality_number, row)
    return earliest


def region_rows(
    engine: Engine, *, today: date, waves: WaveLookup = wave_names_by_member
) -> list[RegionRow]:
    """Every municipality of the region today with stage, wave and next deadline; overdue if
    that is past. One merged away or divided by a reform is no longer in the region."""
    deadlines = open_deadlines(engine)
    wave_of = waves(engine)
    with Session(engine) as session:
        here = set(parties_in_region_on(session, today, kind=PartyKind.MUNICIPALITY.value))
    result = []
    for row in queries.list_municipalities(engine):
        # The table is the region's municipalities; the other kinds are on the party list.
        if row.number not in here:
            continue
        due = deadlines.get(row.number)
        deadline = due.effective_deadline if due is not None else None
        result.append(
            RegionRow(
                number=row.number,
                name=row.name,
                county=row.county,
                health_trust=row.health_trust,
                stage=Stage(row.stage),
                wave=wave_of.get(row.number, ""),
                next_deadline=deadline,
                next_obligation=due.obligation_id if due is not None else None,
                overdue=deadline is not None and deadline < today,
            )
        )
    return result
