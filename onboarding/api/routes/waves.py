"""/api/waves: production waves, their members, dates, decisions and blockers.

A wave's own view (members, every date it had, decisions) comes from its
workflow; the list, the history and the blockers come from the SQL read model.
Reads need a viewer token, changes a coordinator's.
"""

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status

from onboarding.api.deps import (
    CoordinatorActor,
    EngineDep,
    SettingsDep,
    TemporalDep,
    ViewerActor,
    refuse_backdating,
)
from onboarding.api.errors import error_responses
from onboarding.api.known_numbers import require_known
from onboarding.api.party_routes import PartyIdPath
from onboarding.api.routes.municipalities import NumberPath
from onboarding.api.routes.reports import Kind
from onboarding.api.schemas import IsoDay
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.errors import RequestRejected, UnknownWave
from onboarding.domain.waves.blockers import ProgramBlockers, WaveBlockers, program_blockers
from onboarding.domain.waves.models import (
    AddMemberCommand,
    DecisionCommand,
    DecisionRequest,
    MemberRequest,
    RemoveMemberCommand,
    RescheduleCommand,
    RescheduleRequest,
    WaveCreate,
    WaveView,
)
from onboarding.gateway import waves as wave_engine
from onboarding.store import waves as wave_store
from onboarding.store.waves import WaveEventRecord, WaveSummary

router = APIRouter(tags=["waves"], responses=error_responses(401, 403, 422))

WavePath = Annotated[
    str,
    Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="wave id, e.g. 2024-spring"),
]
AsOf = Annotated[IsoDay | None, Query(description="default: today in Europe/Oslo")]


# OpenAPI links: where a wave's id (and a member's number) comes from, so a
# client (and schemathesis's stateful phase) can follow a wave to its members.
def _links(wave_id: str) -> dict[str, Any]:
    return {
        "AddMember": {
            "operationId": "add_member",
            "parameters": {"wave_id": wave_id},
            "description": "add a municipality to this wave",
        },
        "RemoveMember": {
            "operationId": "remove_member",
            "parameters": {"wave_id": wave_id},
            "description": "remove a member of this wave",
        },
    }


class WaveDetail(WaveView):
    """A wave with its append-only history: every date, member change and decision."""

    history: list[WaveEventRecord]


@router.get("/waves", responses={200: {"links": _links("$response.body#/0/id")}})
def list_waves(engine: EngineDep, _: ViewerActor) -> list[WaveSummary]:
    """Every wave by go-live date, with its status and member count."""
    return wave_store.list_waves(engine)


@router.post(
    "/waves",
    status_code=status.HTTP_201_CREATED,
    responses={**error_responses(409, 503), 201: {"links": _links("$response.body#/id")}},
)
async def create_wave(
    request: WaveCreate,
    settings: SettingsDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> WaveView:
    """Create a wave. A past go_live_at is refused unless `recorded_after_the_fact` is true."""
    refuse_backdating(http, request.recorded_at is not None)
    return await wave_engine.create_wave(
        client,
        request,
        actor=actor,
        task_queue=settings.task_queue,
        now=datetime.now(UTC),
        policy=settings.reminder_policy(),
        continue_as_new_after_events=settings.continue_as_new_after_events,
    )


@router.get("/waves/{wave_id}", responses=error_responses(404, 503))
async def show_wave(
    wave_id: WavePath, engine: EngineDep, client: TemporalDep, _: ViewerActor
) -> WaveDetail:
    """The wave: members, status, every date it ever had, decisions and its history."""
    view = await wave_engine.wave(client, wave_id)
    history = await asyncio.to_thread(wave_store.wave_events, engine, wave_id=wave_id)
    return WaveDetail(**view.model_dump(), history=history)


@router.post(
    "/waves/{wave_id}/members",
    responses={
        **error_responses(404, 409, 503),
        200: {
            "links": {
                "RemoveMember": {
                    "operationId": "remove_member",
                    "parameters": {
                        "wave_id": "$response.body#/id",
                        "number": "$request.body#/number",
                    },
                    "description": "remove the member just added",
                }
            }
        },
    },
)
async def add_member(
    wave_id: WavePath,
    request: MemberRequest,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> WaveView:
    """Add a municipality (from option_exercised on), or move it here with a reason."""
    refuse_backdating(http, request.recorded_at is not None)
    await require_known(engine, request.number)
    command = AddMemberCommand(**request.model_dump(), actor=actor)
    return await wave_engine.add_member(client, wave_id, command)


@router.delete("/waves/{wave_id}/members/{number}", responses=error_responses(404, 409, 503))
async def remove_member(
    wave_id: WavePath,
    number: PartyIdPath,
    engine: EngineDep,
    client: TemporalDep,
    actor: CoordinatorActor,
    reason: Annotated[str | None, Query(max_length=2000, description="why")] = None,
) -> WaveView:
    """Remove a member; its open checklist items are cancelled, done ones kept."""
    await require_known(engine, number)
    command = RemoveMemberCommand(number=number, reason=reason, actor=actor)
    return await wave_engine.remove_member(client, wave_id, command)


@router.post("/waves/{wave_id}/reschedule", responses=error_responses(404, 409, 503))
async def reschedule(
    wave_id: WavePath,
    request: RescheduleRequest,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> WaveView:
    """Move the go-live; every member's wave-relative deadlines and timers move with it."""
    refuse_backdating(http, request.recorded_at is not None)
    command = RescheduleCommand(**request.model_dump(), actor=actor)
    return await wave_engine.reschedule(client, wave_id, command)


@router.post("/waves/{wave_id}/decision", responses=error_responses(404, 409, 503))
async def decide(
    wave_id: WavePath,
    request: DecisionRequest,
    client: TemporalDep,
    actor: CoordinatorActor,
    http: Request,
) -> WaveView:
    """The wave-level go/no-go: approve, postpone (with go_live_at and reason) or close."""
    refuse_backdating(http, request.recorded_at is not None)
    command = DecisionCommand(**request.model_dump(), actor=actor)
    return await wave_engine.decide(client, wave_id, command)


@router.get("/waves/{wave_id}/blockers", responses=error_responses(404))
def wave_blockers(
    wave_id: WavePath, engine: EngineDep, settings: SettingsDep, _: ViewerActor, as_of: AsOf = None
) -> WaveBlockers:
    """Members by stage, checklist progress, missing conditions and overdue items."""
    found = wave_store.blockers_of(
        engine, wave_ids=[wave_id], checklist=_checklist(settings), as_of=_as_of(as_of)
    )
    if not found:
        raise UnknownWave(wave_id)
    return found[0]


@router.get("/reports/blockers", tags=["reports"])
def program_blockers_report(
    engine: EngineDep, settings: SettingsDep, _: ViewerActor, as_of: AsOf = None, kind: Kind = None
) -> ProgramBlockers:
    """What blocks every wave, rolled up for the program.

    With `kind`, only the members of that kind of party, in the waves that have one.
    """
    day = _as_of(as_of)
    waves = wave_store.blockers_of(
        engine, wave_ids=None, checklist=_checklist(settings), as_of=day, kind=kind
    )
    return program_blockers(as_of=day, waves=waves)


@router.get("/municipalities/{number}/waves", responses=error_responses(404))
async def membership_history(
    number: NumberPath, engine: EngineDep, _: ViewerActor
) -> list[WaveEventRecord]:
    """Every wave event about the municipality: added, moved, removed, went live."""
    await require_known(engine, number)
    return await asyncio.to_thread(wave_store.wave_events, engine, number=number)


def _checklist(settings: SettingsDep) -> list[str]:
    return [item.id.value for item in settings.reminder_policy().checklist]


def _as_of(as_of: date | None) -> date:
    today = today_in_oslo()
    day = as_of or today
    if day > today:
        raise RequestRejected("as_of", f"{day} is in the future (today is {today})")
    return day
