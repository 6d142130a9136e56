"""The region table of the dashboard, from the read model in a fixed number of queries.

One row per municipality: its stage, its wave and its next open deadline. No
Temporal query: with 67 municipalities a query each would cost more than the
whole page may take.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.store.reforms import in_region_on
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tables.parties import MunicipalityRow
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


class OpenDeadline(NamedTuple):
    """A municipality's open obligation with the earliest deadline."""

    obligation_id: str
    effective_deadline: date


def open_deadlines(engine: Engine) -> dict[str, OpenDeadline]:
    """Each municipality's open obligation with the earliest deadline (plain columns: at
    the size of a country there are thousands)."""
    with Session(engine) as session:
        rows = session.exec(
            select(  # type: ignore[type-var]
                ObligationRow.municipality_number,
                ObligationRow.obligation_id,
                ObligationRow.effective_deadline,
            )
            .where(
                ObligationRow.status == ObligationStatus.OPEN.value,
                col(ObligationRow.effective_deadline).is_not(None),
            )
            .order_by(col(ObligationRow.effective_deadline))
        ).all()
    earliest: dict[str, OpenDeadline] = {}
    for number, obligation, deadline in rows:
        if deadline is not None:
            earliest.setdefault(number, OpenDeadline(obligation, deadline))
    return earliest


class RegionParty(NamedTuple):
    """A municipality of the region as read, before it is a row of the table: plain values,
    cheap to make for every party of a country (a `RegionRow` is made for those shown)."""

    number: str
    name: str
    county: str
    health_trust: str
    stage: str
    wave: str
    deadline: OpenDeadline | None

    def overdue(self, today: date) -> bool:
        """Its next open deadline is past."""
        return self.deadline is not None and self.deadline.effective_deadline < today


def region_parties(
    engine: Engine, *, today: date, waves: WaveLookup = wave_names_by_member
) -> list[RegionParty]:
    """Every municipality of the region today with stage, wave and next deadline, by
    number. One merged away or divided by a reform is no longer in the region; the other
    kinds are on the party list."""
    deadlines = open_deadlines(engine)
    wave_of = waves(engine)
    with engine.connect() as connection:
        parties = connection.execute(
            select(  # type: ignore[call-overload]
                MunicipalityRow.number,
                MunicipalityRow.name,
                MunicipalityRow.county,
                MunicipalityRow.health_trust,
                MunicipalityRow.stage,
            )
            .where(MunicipalityRow.kind == PartyKind.MUNICIPALITY.value, in_region_on(today))
            .order_by(MunicipalityRow.number)
        ).all()
    return [
        RegionParty(
            number, name, county, trust, stage, wave_of.get(number, ""), deadlines.get(number)
        )
        for number, name, county, trust, stage in parties
    ]


def region_row(party: RegionParty, *, today: date) -> RegionRow:
    """The table's line for `party`; overdue if its next deadline is past."""
    due = party.deadline
    return RegionRow(
        number=party.number,
        name=party.name,
        county=party.county,
        health_trust=party.health_trust,
        stage=Stage(party.stage),
        wave=party.wave,
        next_deadline=due.effective_deadline if due is not None else None,
        next_obligation=due.obligation_id if due is not None else None,
        overdue=party.overdue(today),
    )
