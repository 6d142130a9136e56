"""/api/reports: where the region stood on a date, as known on a date, and over time.

`as_of` is valid time (what had taken effect), `known_on` transaction time
(only what had been recorded by the end of that day): see onboarding/domain/reports.py.
Every report takes `kind`, one kind of party; without it, every kind together.
"""

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from onboarding.api.deps import EngineDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.schemas import IsoDay
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.errors import RequestRejected
from onboarding.domain.party import PartyKind
from onboarding.domain.reports import (
    CoverageReport,
    FunnelReport,
    Interval,
    MilestoneSeries,
    StagesReport,
)
from onboarding.store import coverage, kept_reports, point_in_time

router = APIRouter(prefix="/reports", tags=["reports"], responses=error_responses(401, 403, 422))

AsOf = Annotated[
    IsoDay | None,
    Query(description="YYYY-MM-DD, not in the future (default: today in Europe/Oslo)"),
]
KnownOn = Annotated[
    IsoDay | None,
    Query(
        description="YYYY-MM-DD: only what was recorded by the end of that day "
        "(default: everything recorded so far)"
    ),
]
Kind = Annotated[
    PartyKind | None,
    Query(
        description="only parties of this kind (municipality, gp_office, specialist, "
        "hospital); omitted: every kind together. Milestones are each kind's own road: "
        "a municipality's are the program's milestones, another kind's the stages of its "
        "own main road, and together a milestone counts every party whose road has it"
    ),
]

# A time series of more points than this is a mistake (monthly: ~83 years).
MAX_POINTS = 1_000


def not_future(field: str, day: date | None) -> date:
    """`day` (default today in Oslo), refused if it lies in the future."""
    today = today_in_oslo()
    if day is None:
        return today
    if day > today:
        # The log only knows what has happened: a future date would just repeat today.
        raise RequestRejected(field, f"{day} is in the future (today is {today} in Europe/Oslo)")
    return day


def _known(known_on: date | None) -> date | None:
    """`known_on` checked (not in the future), or None for everything recorded so far."""
    return not_future("known_on", known_on) if known_on is not None else None


@router.get("/funnel")
async def funnel_report(
    engine: EngineDep,
    _: ViewerActor,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    kind: Kind = None,
) -> FunnelReport:
    """Parties per stage, milestones reached and the headline counts on `as_of`.

    Of one kind of party, or (without `kind`) of every kind together.
    """
    day = not_future("as_of", as_of)
    known = _known(known_on)
    return await asyncio.to_thread(
        point_in_time.funnel, engine, as_of=day, known_on=known, kind=kind
    )


@router.get("/stages")
async def stages_report(
    engine: EngineDep,
    _: ViewerActor,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    kind: Kind = None,
) -> StagesReport:
    """Every party's stage on `as_of`, since when, and its furthest milestone.

    Of one kind of party, or (without `kind`) of every kind together.
    """
    day = not_future("as_of", as_of)
    known = _known(known_on)
    return await asyncio.to_thread(
        point_in_time.stages, engine, as_of=day, known_on=known, kind=kind
    )


@router.get("/coverage")
async def coverage_report(
    engine: EngineDep, _: ViewerActor, as_of: AsOf = None, known_on: KnownOn = None
) -> CoverageReport:
    """Per kind of party and together: how many, how many live on `as_of`, and their staff.

    Staff is the sum of the staff counts recorded with the parties, and how
    many parties have none recorded; of every party, and of those live.
    """
    day = not_future("as_of", as_of)
    known = _known(known_on)
    return await asyncio.to_thread(coverage.coverage, engine, as_of=day, known_on=known)


@router.get("/milestones", response_model_by_alias=True)
async def milestones_report(
    engine: EngineDep,
    _: ViewerActor,
    from_: Annotated[IsoDay, Query(alias="from", description="first day, YYYY-MM-DD")],
    to: AsOf = None,
    interval: Annotated[
        Interval, Query(description="one point at the end of each: month, quarter, year")
    ] = Interval.MONTH,
    known_on: KnownOn = None,
    kind: Kind = None,
) -> MilestoneSeries:
    """Milestones reached at the end of each interval from `from` to `to`: data for a chart.

    Of one kind of party, or (without `kind`) of every kind together.
    """
    end = not_future("to", to)
    if from_ > end:
        raise RequestRejected("from", f"{from_} is after to ({end})")
    known = _known(known_on)
    if len(point_in_time.period_ends(from_, end, interval)) > MAX_POINTS:
        raise RequestRejected(
            "interval", f"more than {MAX_POINTS} points: choose a longer interval or a shorter span"
        )
    # Kept between requests and read again only for the parties a write touched.
    return await asyncio.to_thread(
        kept_reports.milestone_series,
        engine,
        start=from_,
        end=end,
        interval=interval,
        known_on=known,
        kind=kind,
    )
