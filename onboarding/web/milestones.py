"""Milestones reached over time, for the dashboard's chart.

`milestone_series` is the one place the chart gets its numbers from: #5's
milestones report (onboarding.store.point_in_time.milestone_series, the same
rule as the funnel: a milestone once reached is kept, corrections honoured),
one point per month end, from the month before the first transition in
force, so every line starts at zero.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from onboarding.domain.party import PartyKind
from onboarding.domain.report_milestones import milestones_of
from onboarding.domain.reports import Interval
from onboarding.domain.vocabulary import MILESTONES, Stage
from onboarding.store import kept_reports, point_in_time
from onboarding.store.tables.parties import MunicipalityRow


@dataclass(frozen=True)
class MilestonePoint:
    """Municipalities that had reached each milestone on `day` (other kinds have their own)."""

    day: date
    reached: dict[Stage, int]


@dataclass(frozen=True)
class MilestoneSeries:
    """Month-end points from the month before the first recorded transition to `until`."""

    total: int
    points: list[MilestonePoint]
    # The milestones of the kind of party counted: the lines of the chart.
    milestones: tuple[Stage, ...] = MILESTONES


def milestone_series(
    engine: Engine,
    *,
    until: date,
    known_on: date | None = None,
    kind: PartyKind = PartyKind.MUNICIPALITY,
) -> MilestoneSeries:
    """Milestones of `kind`'s road reached at each month end up to `until` (empty without
    any transition)."""
    milestones = milestones_of(kind)
    # Kept between requests and read again only for the parties a write touched.
    first_days = kept_reports.first_days(engine, end=until, known_on=known_on)
    # The earliest transition in force of any party and kind starts every line at zero.
    first = min((on for _kind, days in first_days.values() for on in days.values()), default=None)
    with Session(engine) as session:
        if first is None:
            total = session.execute(
                select(func.count())
                .select_from(MunicipalityRow)
                .where(col(MunicipalityRow.kind) == kind.value)
            ).scalar_one()
            return MilestoneSeries(total=total, points=[], milestones=milestones)
        region = point_in_time.Region.read(session, kind)
    start = first.replace(day=1) - timedelta(days=1)
    report = point_in_time.series_of(
        first_days,
        region,
        start=start,
        end=until,
        interval=Interval.MONTH,
        known_on=known_on,
        kind=kind,
    )
    return MilestoneSeries(
        total=report.total,
        points=[
            MilestonePoint(day=p.on, reached={m: p.reached.get(m.value, 0) for m in milestones})
            for p in report.points
        ],
        milestones=milestones,
    )
