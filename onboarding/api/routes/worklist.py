"""/api/worklist: what needs the program now (the coordinator's work list).

Deadlines due within `days` and overdue, wave members blocking their wave,
notifications that reached nobody and stuck parties, from the read model
(onboarding/store/worklist.py), filtered by health trust, wave, kind and stage.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from onboarding.api.deps import EngineDep, SettingsDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.domain.worklist import DEFAULT_DAYS, MAX_DAYS, Worklist, WorklistFilters
from onboarding.store.worklist import worklist

router = APIRouter(tags=["worklist"], responses=error_responses(401, 403, 422))


@router.get("/worklist")
async def get_worklist(
    engine: EngineDep,
    settings: SettingsDep,
    _: ViewerActor,
    days: Annotated[
        int, Query(ge=0, le=MAX_DAYS, description="deadlines due within this many days")
    ] = DEFAULT_DAYS,
    health_trust: Annotated[str | None, Query(max_length=100)] = None,
    wave: Annotated[str | None, Query(max_length=63, description="members of this wave")] = None,
    kind: PartyKind | None = None,
    stage: Stage | None = None,
) -> Worklist:
    """Due and overdue deadlines, blocked wave members, undelivered notifications and stuck
    parties (see docs/worklist.md), each part with its count."""
    filters = WorklistFilters(
        days=days, health_trust=health_trust, wave=wave, kind=kind, stage=stage
    )
    checklist = [item.id.value for item in settings.reminder_policy().checklist]
    return await asyncio.to_thread(
        worklist, engine, filters=filters, checklist=checklist, today=today_in_oslo()
    )
