"""The coverage report: per kind of party, how many, how many live, and their staff, on a date.

Whether a party was live on `as_of` (as known on `known_on`) is the stage
the point-in-time reports give it (store/point_in_time.py), so coverage and
the funnel can never disagree on who was live. Staff counts are the ones
each party's row holds now (`staff_count`, recorded at registration): the
read model keeps no history of them. The parties are those of the region
on `as_of` (a municipality merged away before it, or created after, is not
counted).
"""

from datetime import date

from sqlalchemy import Engine, select
from sqlmodel import Session

from onboarding.domain.party import PartyKind
from onboarding.domain.reports import CoverageReport, KindCoverage, StaffCount
from onboarding.domain.vocabulary import Stage
from onboarding.store import point_in_time
from onboarding.store.tables.parties import MunicipalityRow

_party = MunicipalityRow.__table__  # type: ignore[attr-defined]


def coverage(engine: Engine, *, as_of: date, known_on: date | None = None) -> CoverageReport:
    """Every kind's parties, those live on `as_of` and their staff, and every kind together."""
    latest = point_in_time.latest_per_party(
        as_of=as_of, known_on=known_on, dialect=engine.dialect.name
    ).subquery("latest")
    query = (
        select(_party.c.kind, _party.c.staff_count, latest.c.to_stage)
        .outerjoin(latest, latest.c.municipality_number == _party.c.number)
        .where(*point_in_time.in_region(as_of))
    )
    with Session(engine) as session:
        rows = session.execute(query).all()
    parties = [(PartyKind(kind), staff, stage == Stage.LIVE.value) for kind, staff, stage in rows]
    return CoverageReport(
        as_of=as_of,
        known_on=known_on,
        kinds=[
            _coverage(kind, [(staff, live) for of, staff, live in parties if of is kind])
            for kind in PartyKind
        ],
        together=_coverage(None, [(staff, live) for _, staff, live in parties]),
    )


def _coverage(kind: PartyKind | None, parties: list[tuple[int | None, bool]]) -> KindCoverage:
    """One row of the report from its parties' (staff_count, live on the date)."""
    live = [staff for staff, is_live in parties if is_live]
    return KindCoverage(
        kind=kind,
        parties=len(parties),
        live=len(live),
        staff=_staff([staff for staff, _ in parties]),
        staff_live=_staff(live),
    )


def _staff(counts: list[int | None]) -> StaffCount:
    """The sum of the recorded counts, and how many have none recorded."""
    return StaffCount(
        staff=sum(count for count in counts if count is not None),
        unrecorded=sum(1 for count in counts if count is None),
    )
