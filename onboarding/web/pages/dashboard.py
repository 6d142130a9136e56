"""The region dashboard: stages and milestones on a date, the region table, the timeline.

It is about the region's municipalities unless another kind of party is chosen
(`?kind=gp_office`): then the stages, milestones and chart are that kind's own
road (#19's reports per kind), and its parties are on the party list instead of
the region table.

"As of" is valid time (what had taken effect by that day); "as known on" is
transaction time (only what had been recorded by the end of that day, before
later backdated records and corrections): both go to #5's point-in-time reports.
"""

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.party import PartyKind
from onboarding.domain.process.registry import MUNICIPALITY, versions
from onboarding.domain.report_milestones import milestones_of, stages_for
from onboarding.domain.vocabulary import Stage
from onboarding.store import kept_reports, report_cache
from onboarding.store.tokens import Role
from onboarding.web.charts import funnel_svg, timeline_svg
from onboarding.web.filters import listed, sent_values
from onboarding.web.forms import FormErrors
from onboarding.web.milestones import milestone_series
from onboarding.web.overview import region_parties
from onboarding.web.page import Page, ViewerPage
from onboarding.web.pages import worklist
from onboarding.web.region_table import REGION_FILTERS, region_table

router = APIRouter()

# The region's parties are municipalities: the stages any version of their
# process has, in the vocabulary's order (not a GP office's agreement_offered).
MUNICIPALITY_STAGES: list[Stage] = [
    stage for stage in Stage if any(d.has_stage(stage) for d in versions(MUNICIPALITY))
]


def stages_of(kind: PartyKind) -> list[Stage]:
    """The stages the dashboard counts for `kind`: another kind's in its process's order."""
    if kind is PartyKind.MUNICIPALITY:
        return MUNICIPALITY_STAGES
    return list(stages_for(kind))


FilterQuery = Annotated[str | None, Query(max_length=100)]


@router.get("/")
async def start_page(
    page: ViewerPage,
    as_of: str | None = None,
    known_on: str | None = None,
    kind: FilterQuery = None,
    q: FilterQuery = None,
    stage: FilterQuery = None,
    county: FilterQuery = None,
    trust: FilterQuery = None,
    overdue: FilterQuery = None,
) -> Response:
    """The start page: the work list for coordinators and admins, the dashboard for viewers
    (and for a link that asks the dashboard for a date, a kind or a filtered table)."""
    table = sent_values(REGION_FILTERS, (q, stage, county, trust, overdue))
    asked = any(v is not None for v in (as_of, known_on, kind)) or any(table.values())
    if page.may(Role.COORDINATOR) and not asked:
        return await worklist.show(page, {})
    return await asyncio.to_thread(_dashboard, page, as_of, known_on, kind, table)


@router.get("/dashboard")
async def dashboard(
    page: ViewerPage,
    as_of: str | None = None,
    known_on: str | None = None,
    kind: FilterQuery = None,
    q: Annotated[str | None, Query(max_length=100, description="number or name")] = None,
    stage: FilterQuery = None,
    county: FilterQuery = None,
    trust: FilterQuery = None,
    overdue: FilterQuery = None,
) -> Response:
    """Counts per stage and the milestone funnel of `kind`'s parties (default
    municipalities) on `as_of` (default today), as known on `known_on` (default:
    everything recorded), the region table (filtered by `q`, `stage`, `county`,
    `trust` and `overdue`) and the milestones over time."""
    table = sent_values(REGION_FILTERS, (q, stage, county, trust, overdue))
    return await asyncio.to_thread(_dashboard, page, as_of, known_on, kind, table)


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


def _kind(page: Page, sent: str | None) -> tuple[PartyKind, str | None]:
    """The kind chosen (municipalities if none), or an error if it is not one."""
    if not sent:
        return PartyKind.MUNICIPALITY, None
    try:
        return PartyKind(sent), None
    except ValueError:
        return PartyKind.MUNICIPALITY, page.t("error.choose_listed")


def _dashboard(
    page: Page,
    as_of: str | None,
    known_on: str | None,
    kind_sent: str | None,
    table_values: dict[str, str],
) -> Response:
    today = today_in_oslo()
    table_errors = FormErrors()
    stage = listed(page.t, table_values, table_errors, "stage", Stage)
    chosen, error = _past_day(page, as_of, today)
    day = chosen or today
    known, known_error = _past_day(page, known_on, today)
    kind, kind_error = _kind(page, kind_sent)
    engine = page.engine
    # Both read the whole log: computed once for each state of it (report_cache).
    state = report_cache.version(engine)
    funnel = report_cache.cached(
        engine,
        ("funnel", day, known, kind),
        lambda: kept_reports.funnel(engine, as_of=day, known_on=known, kind=kind),
        state=state,
    )
    parties = region_parties(engine, today=today) if kind is PartyKind.MUNICIPALITY else []
    table = region_table([] if table_errors else parties, table_values, stage, today=today)
    series = report_cache.cached(
        engine,
        ("milestone chart", today, known, kind),
        lambda: milestone_series(engine, until=today, known_on=known, kind=kind),
        state=state,
    )
    milestones = milestones_of(kind)
    return page.render(
        "dashboard.html",
        status=422 if error or known_error or kind_error or table_errors else 200,
        today=today,
        day=day,
        known_on=known,
        date_error=error,
        known_error=known_error,
        kind=kind,
        kind_error=kind_error,
        kind_name=page.t(f"process_kind.{kind.value}"),
        kinds=[(k.value, page.t(f"process_kind.{k.value}")) for k in PartyKind],
        funnel=funnel,
        stages=stages_of(kind),
        milestones=list(milestones),
        funnel_svg=funnel_svg(page.t, funnel.reached, funnel.total, milestones),
        # The chosen date, if one was asked for, marked on the chart.
        timeline_svg=timeline_svg(page.t, series, marked=chosen),
        table=table,
        table_values=table_values,
        table_errors=table_errors,
    )
