"""/api/municipalities/{number}/checklist: a wave member's readiness checklist."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from onboarding.api.deps import (
    CoordinatorActor,
    EngineDep,
    TemporalDep,
    ViewerActor,
    refuse_backdating,
)
from onboarding.api.errors import error_responses
from onboarding.api.known_numbers import require_known
from onboarding.api.routes.municipalities import NumberPath
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.waves.models import (
    ChecklistCommand,
    ChecklistItemsCommand,
    ChecklistItemsRequest,
    ChecklistItemView,
    ChecklistRequest,
    ChecklistView,
)
from onboarding.gateway import waves as wave_engine

router = APIRouter(
    prefix="/municipalities", tags=["checklist"], responses=error_responses(401, 403, 422)
)

ItemPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z_]{1,64}$",
        description="checklist item, e.g. integrations_tested",
        # The items there are (the workflow checks the id and names them).
        json_schema_extra={"enum": [item.value for item in ChecklistItemId]},
    ),
]


@router.get("/{number}/checklist", responses=error_responses(404, 503))
async def show_checklist(
    number: NumberPath, engine: EngineDep, client: TemporalDep, _: ViewerActor
) -> ChecklistView:
    """Each item: deadline (wave-relative), status, and when, by whom and on what it was done."""
    await require_known(engine, number)
    return await wave_engine.checklist(client, number)


@router.post("/{number}/checklist/{item}", responses=error_responses(404, 503))
async def complete_item(
    number: NumberPath,
    item: ItemPath,
    request: ChecklistRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> ChecklistItemView:
    """Mark an item done (`done_on`: default today, never future); a repeat changes nothing."""
    refuse_backdating(http, request.recorded_at is not None)
    await require_known(engine, number)
    command = ChecklistCommand(**request.model_dump(), item=item, actor=actor)
    return await wave_engine.complete_item(client, number, command)


@router.post("/{number}/checklist", responses=error_responses(404, 503))
async def complete_items(
    number: NumberPath,
    request: ChecklistItemsRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> ChecklistView:
    """Mark several items done at once, each with its own date and evidence: all or none.

    An item refused on its own (unknown, a future date, a done item with another
    date) or given twice refuses the whole request, naming it (`items.2.done_on`);
    an item already done with the same date changes nothing. Answers the checklist.
    """
    refuse_backdating(http, any(item.recorded_at is not None for item in request.items))
    await require_known(engine, number)
    commands = [
        ChecklistCommand(**item.model_dump(exclude={"item"}), item=item.item, actor=actor)
        for item in request.items
    ]
    command = ChecklistItemsCommand(commands=commands)
    return await wave_engine.complete_items(client, number, command)
