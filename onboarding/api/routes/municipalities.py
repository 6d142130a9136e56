"""/api/municipalities: the list, one municipality, its transitions and its history.

Lists and history come from the SQL read model. One municipality's stage and
allowed triggers come from its workflow, because the guards live there. Every
route checks the SQL row first, so an unknown number never reaches Temporal.
"""

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
from onboarding.api.schemas import MunicipalitySummary
from onboarding.domain.errors import UnknownMunicipality
from onboarding.domain.parties.models import (
    MunicipalityView,
    TransitionCommand,
    TransitionRecord,
    TransitionRequest,
)
from onboarding.domain.vocabulary import Stage
from onboarding.gateway import parties as gateway
from onboarding.store import queries

router = APIRouter(
    prefix="/municipalities",
    tags=["municipalities"],
    responses=error_responses(401, 403, 422),
)

NumberPath = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{4}$",
        description="4-digit municipality number (kommunenummer)",
        examples=["5001"],
    ),
]


@router.get("")
def list_municipalities(
    engine: EngineDep, _: ViewerActor, stage: Stage | None = None
) -> list[MunicipalitySummary]:
    """Every municipality by number, optionally only those in `stage`."""
    rows = queries.list_municipalities(engine, stage=stage)
    last = queries.last_transitions(engine, numbers=[row.number for row in rows])
    return [MunicipalitySummary.from_row(row, last.get(row.number)) for row in rows]


@router.get("/{number}", responses=error_responses(404, 503))
async def show_municipality(
    number: NumberPath, engine: EngineDep, client: TemporalDep, _: ViewerActor
) -> MunicipalityView:
    """One municipality as its workflow sees it: stage, allowed triggers, last transition."""
    await require_known(engine, number)
    return await gateway.current_state(client, number)


@router.post("/{number}/transitions", responses=error_responses(404, 409, 503))
async def record_transition(
    number: NumberPath,
    request: TransitionRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> MunicipalityView:
    """Record a transition; answers the new state once it is in the audit log.

    A repeat with the same idempotency key returns the first answer and changes
    nothing. A refused request changes nothing either.
    """
    refuse_backdating(http, request.recorded_at is not None)
    await require_known(engine, number)
    command = TransitionCommand(**request.model_dump(), actor=actor)
    return await gateway.transition(client, number, command)


@router.get("/{number}/history", responses=error_responses(404))
def municipality_history(
    number: NumberPath, engine: EngineDep, _: ViewerActor
) -> list[TransitionRecord]:
    """Every recorded transition of the municipality, oldest first."""
    if queries.get_municipality(engine, number=number) is None:
        raise UnknownMunicipality(number)
    return queries.history(engine, number=number)
