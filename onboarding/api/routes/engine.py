"""/api/municipalities/{number}/engine: the workflow behind a municipality, and its raw history."""

import asyncio

from fastapi import APIRouter

from onboarding.api.deps import AdminActor, EngineDep, SettingsDep, TemporalDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.known_numbers import require_known
from onboarding.api.routes.municipalities import NumberPath
from onboarding.gateway.history import (
    EngineHistory,
    EngineLinks,
    EngineRun,
    engine_history,
    workflow_url,
)
from onboarding.store import queries
from onboarding.store.database import utc
from workflows.names import party_workflow_id

router = APIRouter(
    prefix="/municipalities", tags=["engine"], responses=error_responses(401, 403, 404, 422)
)


@router.get("/{number}/engine")
async def engine_links(
    number: NumberPath, engine: EngineDep, settings: SettingsDep, _: ViewerActor
) -> EngineLinks:
    """The workflow id, every run id noted (continue-as-new) and the Temporal web UI links."""
    await require_known(engine, number)
    workflow_id = party_workflow_id(number)
    ns = settings.temporal_namespace
    rows = await asyncio.to_thread(queries.workflow_runs, engine, number=number)
    return EngineLinks(
        workflow_id=workflow_id,
        namespace=ns,
        ui_url=workflow_url(settings.temporal_ui_url, ns, workflow_id),
        runs=[
            EngineRun(
                run_id=row.run_id,
                first_seen_at=utc(row.first_seen_at),
                ui_url=workflow_url(settings.temporal_ui_url, ns, workflow_id, row.run_id),
            )
            for row in rows
        ],
    )


@router.get("/{number}/engine/history", responses=error_responses(503))
async def engine_history_summary(
    number: NumberPath,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
    _: AdminActor,
) -> EngineHistory:
    """The workflow's event history in Temporal, run by run: event types, counts, times (admin)."""
    await require_known(engine, number)
    rows = await asyncio.to_thread(queries.workflow_runs, engine, number=number)
    return await engine_history(
        client,
        party_workflow_id(number),
        [row.run_id for row in rows],
        ui_base=settings.temporal_ui_url,
    )
