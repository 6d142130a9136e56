"""Obligations: deadlines, their reminders and escalations, and what is overdue.

A municipality's obligations come from its workflow (the timers live there);
the overdue report reads the SQL read model, across the whole region.
"""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, JsonValue

from onboarding.api.deps import CoordinatorActor, EngineDep, TemporalDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.known_numbers import require_known
from onboarding.api.routes.bulk import for_each_municipality, key_of
from onboarding.api.routes.municipalities import NumberPath
from onboarding.api.schemas import BulkFailed, BulkSelection, IsoDay
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.errors import RequestRejected
from onboarding.domain.obligations.models import DeadlineCommand, DeadlineRequest, ObligationView
from onboarding.domain.party import PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.gateway import parties as gateway
from onboarding.store.deadline_history import DeadlineChangeRecord, deadline_changes
from onboarding.store.overdue import OverdueObligation, overdue_obligations

router = APIRouter(tags=["obligations"], responses=error_responses(401, 403, 422))

# The obligations the policy knows (the workflow checks the id and names them);
# listed in the document so that it says which ids are accepted.
OBLIGATION_IDS: list[JsonValue] = [rule.id.value for rule in ReminderPolicy().obligations]

ObligationPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z_]{1,64}$",
        description="obligation id: the trigger that fulfils it, e.g. exercise_option",
        json_schema_extra={"enum": OBLIGATION_IDS},
    ),
]


@router.get("/municipalities/{number}/obligations", responses=error_responses(404, 503))
async def list_obligations(
    number: NumberPath, engine: EngineDep, client: TemporalDep, _: ViewerActor
) -> list[ObligationView]:
    """Each obligation: deadline, status, escalation level and its pending schedule."""
    await require_known(engine, number)
    return await gateway.obligations(client, number)


@router.get("/municipalities/{number}/deadline-changes", responses=error_responses(404))
async def list_deadline_changes(
    number: NumberPath,
    engine: EngineDep,
    _: ViewerActor,
    obligation: Annotated[
        str | None, Query(pattern=r"^[a-z_]{1,64}$", description="only this obligation")
    ] = None,
) -> list[DeadlineChangeRecord]:
    """Every deadline set or moved for the municipality, oldest first, with reason and actor."""
    await require_known(engine, number)
    return await asyncio.to_thread(
        deadline_changes, engine, number=number, obligation_id=obligation
    )


@router.put(
    "/municipalities/{number}/obligations/{obligation_id}",
    responses=error_responses(404, 409, 503),
)
async def set_deadline(
    number: NumberPath,
    obligation_id: ObligationPath,
    request: DeadlineRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
) -> ObligationView:
    """Set or move a deadline, with a reason; re-arms its reminders and escalations."""
    await require_known(engine, number)
    command = DeadlineCommand(**request.model_dump(), obligation_id=obligation_id, actor=actor)
    return await gateway.set_deadline(client, number, command)


class BulkDeadlineRequest(DeadlineRequest, BulkSelection):
    """One deadline for many municipalities (e.g. the program's option deadline)."""

    obligation_id: str = Field(
        pattern=r"^[a-z_]{1,64}$", json_schema_extra={"enum": OBLIGATION_IDS}
    )


class BulkDeadlineSet(BaseModel):
    """The deadline was set for this municipality."""

    number: str
    ok: Literal[True] = True
    obligation: ObligationView


class BulkDeadlineResult(BaseModel):
    """A result per municipality, in the order selected: failures are never hidden."""

    obligation_id: str
    requested: int
    succeeded: int
    failed: int
    results: list[Annotated[BulkDeadlineSet | BulkFailed, Field(discriminator="ok")]]


@router.post("/bulk/deadlines", tags=["bulk"])
async def bulk_set_deadline(
    request: BulkDeadlineRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
) -> BulkDeadlineResult:
    """Set one obligation's deadline for each selected municipality; report each outcome."""
    # The document's enum, checked once here: unchecked, every municipality would fail
    # alike and the request be answered 200.
    if request.obligation_id not in OBLIGATION_IDS:
        raise RequestRejected(
            "obligation_id",
            f"unknown obligation {request.obligation_id!r}; known: "
            + ", ".join(str(known) for known in OBLIGATION_IDS),
        )

    async def one(number: str) -> BulkDeadlineSet:
        command = DeadlineCommand(
            deadline=request.deadline,
            reason=request.reason,
            idempotency_key=key_of(request.idempotency_key, number),
            obligation_id=request.obligation_id,
            actor=actor,
        )
        view = await gateway.set_deadline(client, number, command)
        return BulkDeadlineSet(number=number, obligation=view)

    outcomes = await for_each_municipality(engine, request, one)
    return BulkDeadlineResult(obligation_id=request.obligation_id, **outcomes)


@router.get("/reports/overdue", tags=["reports"])
def overdue_report(
    engine: EngineDep,
    _: ViewerActor,
    as_of: Annotated[IsoDay | None, Query(description="default: today in Europe/Oslo")] = None,
    kind: Annotated[
        PartyKind | None,
        Query(description="only parties of this kind; omitted: every kind together"),
    ] = None,
) -> list[OverdueObligation]:
    """Open obligations whose deadline has passed, most overdue first."""
    today = today_in_oslo()
    day = as_of or today
    if day > today:
        raise RequestRejected("as_of", f"{day} is in the future (today is {today})")
    return overdue_obligations(engine, as_of=day, kind=kind)
