"""/api/municipalities/{number}/corrections: compensating corrections of recorded transitions.

The audit event to correct is named by its id (as the timeline and the audit
log show it). The route checks that it is this municipality's transition; the
workflow checks everything else before anything is written.
"""

import asyncio

from fastapi import APIRouter

from onboarding.api.deps import CoordinatorActor, EngineDep, TemporalDep
from onboarding.api.errors import error_responses
from onboarding.api.known_numbers import require_known
from onboarding.api.routes.municipalities import NumberPath
from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.correction_records import CorrectionCommand, CorrectionRequest
from onboarding.domain.parties.models import CorrectionResult
from onboarding.gateway import parties as gateway
from onboarding.store import queries

router = APIRouter(
    prefix="/municipalities", tags=["municipalities"], responses=error_responses(401, 403, 422)
)


@router.post("/{number}/corrections", responses=error_responses(404, 503))
async def record_correction(
    number: NumberPath,
    request: CorrectionRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
) -> CorrectionResult:
    """Correct a recorded transition: amend its date or evidence, or void the last one.

    The transition stays in the audit log as it was recorded; the correction is
    a new record with who and why. Reports as known before it are unchanged.
    """
    await require_known(engine, number)
    event = await asyncio.to_thread(queries.audit_event, engine, event_id=request.event_id)
    if event is None or event.municipality_number != number:
        raise RequestRejected(
            "event_id", f"municipality {number} has no transition with event id {request.event_id}"
        )
    command = CorrectionCommand(**request.model_dump(), target_seq=event.seq, actor=actor)
    return await gateway.correct(client, number, command)
