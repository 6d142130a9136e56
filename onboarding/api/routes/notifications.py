"""/api/notifications: the outbox, newest first, so no message is ever out of sight.

Dates filter on when a message fell due, as calendar days in Europe/Oslo.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from onboarding.api.deps import EngineDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.paging import LimitQuery, OffsetQuery
from onboarding.api.schemas import IsoDay, NotificationPublic
from onboarding.domain.calendar import start_of_day_in_oslo
from onboarding.domain.errors import RequestRejected
from onboarding.domain.notifications import NotificationStatus
from onboarding.domain.party import PARTY_ID_PATTERN
from onboarding.store import outbox

router = APIRouter(
    prefix="/notifications", tags=["notifications"], responses=error_responses(401, 403, 422)
)


@router.get("")
def list_notifications(
    engine: EngineDep,
    _: ViewerActor,
    municipality: Annotated[
        str | None,
        Query(
            pattern=PARTY_ID_PATTERN,
            description="only messages about this party: a municipality's number or any party's id",
            examples=["5001", "gp-923609016"],
        ),
    ] = None,
    status: NotificationStatus | None = None,
    from_: Annotated[
        IsoDay | None, Query(alias="from", description="due on or after this day (YYYY-MM-DD)")
    ] = None,
    to: Annotated[
        IsoDay | None, Query(description="due on or before this day (YYYY-MM-DD)")
    ] = None,
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> list[NotificationPublic]:
    """Outbox rows, newest first: held, failed and no_recipient ones included."""
    if from_ is not None and to is not None and from_ > to:
        raise RequestRejected("from", f"{from_} is after to ({to})")
    rows = outbox.list_notifications(
        engine,
        municipality_number=municipality,
        status=status,
        due_from=start_of_day_in_oslo(from_) if from_ is not None else None,
        due_before=start_of_day_in_oslo(to + timedelta(days=1)) if to is not None else None,
        limit=limit,
        offset=offset,
    )
    return [NotificationPublic.from_row(row) for row in rows]
