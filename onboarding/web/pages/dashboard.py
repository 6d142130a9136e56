"""The region dashboard: stages and milestones on a date, the region table, the timeline.

"As of" is valid time (what had taken effect by that day); "as known on" is
transaction time (only what had been recorded by the end of that day, before
later backdated records and corrections): both go to #5's point-in-time reports.
"""

import asyncio
from datetime import date

from fastapi import APIRouter
from fastapi.responses import Response

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.party import PartyKind
from onboarding.domain.process.registry import MUNICIPALITY, versions
from onboarding.domain.vocabulary import MILESTONES, Stage
from onboarding.store import point_in_time
from onboarding.web.charts import funnel_svg, timeline_svg
from onboarding.web.milestones import milestone_series
from onboarding.web.overview import region_rows
from onboarding.web.page import Page, ViewerPage

router = APIRouter()

# The region's parties are municipalities: the stages any version of their
# process has, in the vocabulary's order (not a GP office's agreement_offered).
MUNICIPALITY_STAGES: list[Stage] = [
    stage for stage in Stage if any(d.has_stage(stage) for d in versions(MUNICIPALITY))
]


@router.get("/")
async def dashboard(
    page: ViewerPage, as_of: str | None = None, known_on: str | None = None
) -> Response:
    """Counts per stage and the milestone funnel on `as_of` (default today), as known on
    `known_on` (default: everything recorded), the table and the milestones over time."""
    return await asyncio.to_thread(_dashboard, page, as_of, known_on)


def _past_day(page: Page, sent: str | None, today: date) -> tuple[date | None, str | None]:
    """The day sent (None if none), or an error naming what is wrong with it."""
    if not sent:
        return None, None
    try:
        day = date.fromisoformat(sent)
    except ValueError:
        return None, page.t("dashboard.bad_date", value=sent)
    if day > today:
        return None, page.t("error.future_date", today=page.t.date(today))
    return day, None


def _dashboard(page: Page, as_of: str | None, known_on: str | None) -> Response:
    today = today_in_oslo()
    chosen, error = _past_day(page, as_of, today)
    day = chosen or today
    known, known_error = _past_day(page, known_on, today)
    # The dashboard's funnel and chart are the municipalities' (their milestones).
    funnel = point_in_time.funnel(
        page.engine, as_of=day, known_on=known, kind=PartyKind.MUNICIPALITY
    )
    rows = region_rows(page.engine, today=today)
    series = milestone_series(page.engine, until=today, known_on=known)
    return page.render(
        "dashboard.html",
        status=422 if error or known_error else 200,
        today=today,
        day=day,
        known_on=known,
        date_error=error,
        known_error=known_error,
        funnel=funnel,
        stages=MUNICIPALITY_STAGES,
        milestones=list(MILESTONES),
        funnel_svg=funnel_svg(page.t, funnel.reached, funnel.total),
        # The chosen date, if one was asked for, marked on the chart.
        timeline_svg=timeline_svg(page.t, series, marked=chosen),
        rows=rows,
        counties=sorted({row.county for row in rows}),
        trusts=sorted({row.health_trust for row in rows}),
    )
