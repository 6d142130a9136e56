"""/api/region: load the region the project ships (admin)."""

from fastapi import APIRouter

from onboarding.api.deps import AdminActor, SettingsDep, TemporalDep
from onboarding.api.errors import error_responses
from onboarding.api.schemas import RegionLoaded
from onboarding.domain.parties.region import shipped_region
from onboarding.gateway import parties as gateway

router = APIRouter(prefix="/region", tags=["region"], responses=error_responses(401, 403, 503))


@router.post("/load")
async def load_region(settings: SettingsDep, client: TemporalDep, _: AdminActor) -> RegionLoaded:
    """Start a workflow for every municipality of the shipped region; running ones are kept.

    Idempotent: loading twice starts nothing new. Each workflow registers its
    read-model row as soon as a worker picks it up.
    """
    loaded = await gateway.load_region(
        client,
        shipped_region(),
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=settings.reminder_policy(),
    )
    return RegionLoaded(loaded=loaded)
