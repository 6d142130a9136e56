"""/api/region: load the region the project ships, and its history since 2015 (admin)."""

from fastapi import APIRouter, Request

from onboarding.api.deps import AdminActor, EngineDep, SettingsDep, TemporalDep, refuse_backdating
from onboarding.api.errors import error_responses
from onboarding.api.schemas import HistoryLoad, RegionLoad, RegionLoaded
from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.region import shipped_plan, shipped_region
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.gateway import parties as gateway
from onboarding.gateway.region_history import HistoryLoaded, load_history

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
    process = _process(body.process_version if body else None)
    loaded = await gateway.load_region(
        client,
        shipped_region(),
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=settings.reminder_policy(),
        process=process,
    )
    return RegionLoaded(loaded=loaded)


def _process(version: int | None) -> ProcessDefinition | None:
    """The municipality process `version` names (None: the newest); 422 if there is none."""
    if version is None:
        return None
    try:
        return process_definition(MUNICIPALITY, version)
    except RequestRejected as err:
        raise RequestRejected("process_version", err.message) from None


@router.post("/history/load", responses=error_responses(404, 409, 422))
async def load_region_history(
    settings: SettingsDep,
    client: TemporalDep,
    engine: EngineDep,
    actor: AdminActor,
    http: Request,
    body: HistoryLoad | None = None,
) -> HistoryLoaded:
    """Load the region's history since 2015 (docs/region-history.md): idempotent.

    Registers the municipalities of the catchment area on 2015-01-01 with their
    numbers of then (and those that join it later, each in the area from its
    joining), then records every change of region-changes.csv as a reform
    through the engine (as `/api/reforms` does), in date order, up to
    `through`. What is loaded already is kept: a second load changes nothing
    and says so (`message`).
    """
    options = body or HistoryLoad()
    refuse_backdating(http, options.backdated, field="backdated")
    return await load_history(
        client,
        engine,
        shipped_plan(),
        actor=actor,
        task_queue=settings.task_queue,
        through=options.through,
        stage_rule=options.stage_rule,
        process=_process(options.process_version),
        policy=settings.reminder_policy(),
        continue_as_new_after_events=settings.continue_as_new_after_events,
        backdated=options.backdated,
    )
