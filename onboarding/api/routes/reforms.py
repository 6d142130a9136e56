"""/api/reforms: municipal reforms recorded as process events (admin): dry-run, apply, list, one.

`POST /dry-run` answers what the reform would do to every party it touches
(nothing changes): each party's effect, the stage a new municipality starts
in and why (the rule over its predecessors' standings), what it inherits, and
what follows the successors (GP offices, tokens, contacts, waves). `POST`
applies it and answers the same, with the time it was recorded (201); a
reform id is used once (409). `GET` lists the reforms recorded and `GET /{id}`
shows one, with its evidence and who recorded it. docs/reforms.md.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.convertors import register_url_convertor

from onboarding.api.deps import AdminActor, EngineDep, SettingsDep, TemporalDep, refuse_backdating
from onboarding.api.errors import error_responses
from onboarding.api.party_routes import segment_except
from onboarding.domain.party import PartyId
from onboarding.domain.process.reform_plan import (
    ReformKind,
    ReformPlan,
    ReformPreview,
    ReformRecorded,
)
from onboarding.gateway import reforms as gateway

# /api/reforms/dry-run never reaches the route of one reform (nor its Allow header).
register_url_convertor("reform", segment_except("dry-run"))

router = APIRouter(prefix="/reforms", tags=["reforms"], responses=error_responses(401, 403, 503))

ReformPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$", description="the reform's id")
]


@router.post("/dry-run", responses=error_responses(404, 409, 422))
async def dry_run_reform(
    plan: ReformPlan,
    actor: AdminActor,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> ReformPreview:
    """What the reform would do to each party it touches, and what would follow; nothing changes.

    A party the reform does not fit is listed under `refused` with why; the
    apply refuses the whole reform then.
    """
    prepared = await gateway.prepare(client, engine, plan, actor, policy=settings.reminder_policy())
    return await gateway.dry_run(client, prepared)


@router.post("", status_code=201, responses=error_responses(404, 409, 422))
async def apply_reform(
    plan: ReformPlan,
    actor: AdminActor,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
    http: Request,
) -> ReformPreview:
    """Record the reform: apply it to each party, let what follows follow; its effects.

    The same checks as the dry-run come first (a reform that does not fit
    every party changes nothing). Asked again after an interruption (the
    API stopped half way) it finishes what is left: each party takes it once.
    """
    refuse_backdating(http, plan.recorded_at is not None)
    policy = settings.reminder_policy()
    prepared = await gateway.prepare(client, engine, plan, actor, policy=policy)
    return await gateway.apply(
        client,
        engine,
        prepared,
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=policy,
    )


@router.get("")
async def list_reforms(
    _: AdminActor,
    engine: EngineDep,
    party: Annotated[PartyId | None, Query(description="reforms naming this party")] = None,
    kind: Annotated[ReformKind | None, Query(description="reforms of this kind")] = None,
) -> list[ReformRecorded]:
    """Every reform recorded, by the date it took effect."""
    return await asyncio.to_thread(gateway.list_recorded, engine, party=party, kind=kind)


@router.get("/{reform_id:reform}", responses=error_responses(404))
async def one_reform(reform_id: ReformPath, _: AdminActor, engine: EngineDep) -> ReformRecorded:
    """One reform as recorded: each party's effect, what followed, evidence, who and when."""
    return await asyncio.to_thread(gateway.one_recorded, engine, reform_id)
