"""/api/region: load the region the project ships (admin)."""

from fastapi import APIRouter

from onboarding.api.deps import AdminActor, SettingsDep, TemporalDep
from onboarding.api.errors import error_responses
from onboarding.api.schemas import RegionLoad, RegionLoaded
from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.region import shipped_region
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.gateway import parties as gateway

router = APIRouter(prefix="/region", tags=["region"], responses=error_responses(401, 403, 503))


@router.post("/load", responses=error_responses(422))
async def load_region(
    settings: SettingsDep,
    client: TemporalDep,
    _: AdminActor,
    body: RegionLoad | None = None,
) -> RegionLoaded:
    """Start a workflow for every municipality of the shipped region; running ones are kept.

    New ones run the newest municipality process unless `process_version` names
    another (running ones keep theirs). Idempotent: loading twice starts
    nothing new. Each workflow registers its read-model row as soon as a
    worker picks it up.
    """
    process = None
    if body is not None and body.process_version is not None:
        try:
            process = process_definition(MUNICIPALITY, body.process_version)
        except RequestRejected as err:
            raise RequestRejected("process_version", err.message) from None
    loaded = await gateway.load_region(
        client,
        shipped_region(),
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=settings.reminder_policy(),
        process=process,
    )
    return RegionLoaded(loaded=loaded)
