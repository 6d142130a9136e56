"""The work list page: what needs the program now; the start page of coordinators and admins.

The same data as GET /api/worklist (onboarding/store/worklist.py). The filters
are a GET form (a filtered list is a link to share); a wrong value is named by
its field, the page answers 422 and lists nothing. Each row links to where it
is resolved: the party's page (onboarding.web.party_paths), the wave's
page, the outbox (admins).
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.domain.worklist import DEFAULT_DAYS, MAX_DAYS, WorklistFilters
from onboarding.store import waves as wave_store
from onboarding.store.worklist import health_trusts, worklist
from onboarding.web.conditions import condition_text
from onboarding.web.filters import listed, sent_values
from onboarding.web.forms import FormErrors
from onboarding.web.page import Page, ViewerPage
from onboarding.web.party_paths import party_path

router = APIRouter()

FilterQuery = Annotated[str | None, Query(max_length=100)]
FILTERS = ("days", "health_trust", "wave", "kind", "stage")
# Rows a section shows; the counts above stay whole, the filters narrow a section,
# and the API lists every row. At the size of a country (bench/pages_scale.py) 200
# rows in each of five sections were a third of the page's time.
SECTION_LIMIT = 50


@router.get("/worklist")
async def worklist_page(
    page: ViewerPage,
    days: FilterQuery = None,
    health_trust: FilterQuery = None,
    wave: FilterQuery = None,
    kind: FilterQuery = None,
    stage: FilterQuery = None,
) -> Response:
    """Due and overdue deadlines, blocked wave members, undelivered notifications, stuck
    parties: counts at the top, each row linking to where it is resolved."""
    sent = (days, health_trust, wave, kind, stage)
    return await show(page, sent_values(FILTERS, sent))


async def show(page: Page, values: dict[str, str]) -> Response:
    """The work list for the filter `values` (form text, empty for none)."""
    return await asyncio.to_thread(_render, page, {name: values.get(name, "") for name in FILTERS})


def _parse(page: Page, values: dict[str, str], errors: FormErrors) -> WorklistFilters:
    days = DEFAULT_DAYS
    if values["days"]:
        if values["days"].isdigit() and int(values["days"]) <= MAX_DAYS:
            days = int(values["days"])
        else:
            errors.add("days", page.t("worklist.bad_days", max=MAX_DAYS))
    return WorklistFilters(
        days=days,
        health_trust=values["health_trust"] or None,
        wave=values["wave"] or None,
        kind=listed(page.t, values, errors, "kind", PartyKind),
        stage=listed(page.t, values, errors, "stage", Stage),
    )


def _render(page: Page, values: dict[str, str]) -> Response:
    errors = FormErrors()
    filters = _parse(page, values, errors)
    today = today_in_oslo()
    checklist = [item.id.value for item in page.settings.reminder_policy().checklist]
    found = (
        None
        if errors
        else worklist(
            page.engine, filters=filters, checklist=checklist, today=today, limit=SECTION_LIMIT
        )
    )
    return page.render(
        "worklist.html",
        status=422 if errors else 200,
        values=values,
        errors=errors,
        work=found,
        today=today,
        trusts=[(trust, trust) for trust in health_trusts(page.engine)],
        waves=[(w.id, w.name) for w in wave_store.list_waves(page.engine)],
        kinds=[(k.value, page.t.kind(k)) for k in PartyKind],
        stages=[(s.value, page.t.stage(s)) for s in Stage],
        party_path=party_path,
        condition=lambda c: condition_text(page.t, c),
        filtered=any(values.values()),
        limit=SECTION_LIMIT,
    )
