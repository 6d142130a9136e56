"""/api/reports: where the region stood on a date."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from onboarding.api.deps import EngineDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.calendar import today_in_oslo
from onboarding.errors import RequestRejected
from onboarding.reports import FunnelReport
from onboarding.store import queries

router = APIRouter(prefix="/reports", tags=["reports"], responses=error_responses(401, 403, 422))


@router.get("/funnel")
def funnel_report(
    engine: EngineDep,
    _: ViewerActor,
    as_of: Annotated[
        date | None,
        Query(description="YYYY-MM-DD, not in the future (default: today in Europe/Oslo)"),
    ] = None,
) -> FunnelReport:
    """Municipalities per stage and milestones reached on `as_of`, by effective date."""
    today = today_in_oslo()
    if as_of is None:
        as_of = today
    elif as_of > today:
        # The log only knows what has happened: a future date would just repeat today.
        raise RequestRejected(
            "as_of", f"{as_of} is in the future (today is {today} in Europe/Oslo)"
        )
    return queries.funnel(engine, as_of=as_of)
