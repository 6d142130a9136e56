"""/api/migrations: move running parties to another process version or policy (admin).

Plan, dry-run, apply: `POST /dry-run` asks each selected party what the plan
would do to it now (nothing changes); `POST` starts a durable run that
migrates each party once; `GET /{id}/progress` is its progress; `pause` and `resume`
stop and restart it between batches; `GET /{id}/effects` is what it did,
from the read model, to compare with the dry-run.
"""

import asyncio
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.api.deps import AdminActor, EngineDep, SettingsDep, TemporalDep
from onboarding.api.errors import error_responses
from onboarding.api.migration_schemas import (
    DryRunResult,
    MigrationRequest,
    MigrationSelection,
    PartyPreview,
)
from onboarding.domain.errors import OnboardingError, RequestRejected, UnknownMigration
from onboarding.domain.migrations.apply import check_plan
from onboarding.domain.migrations.run import MigrationProgress
from onboarding.domain.parties.process import process_key
from onboarding.domain.party import PartyKind
from onboarding.domain.process.migration_plan import (
    MigrationCommand,
    MigrationEffect,
    TimerChange,
)
from onboarding.domain.process.registry import MUNICIPALITY
from onboarding.gateway import migrations as gateway
from onboarding.store import process_migrations, queries
from onboarding.store import waves as wave_store

# As the bulk routes: a region in seconds without flooding the frontend.
PREVIEW_CONCURRENCY = 10

router = APIRouter(
    prefix="/migrations", tags=["migrations"], responses=error_responses(401, 403, 422, 503)
)

MigrationPath = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$", description="the plan's id")
]


def select(engine: Engine, selection: MigrationSelection, key: str = MUNICIPALITY) -> list[str]:
    """The ids the selection names of the parties on process `key`; RequestRejected if none."""
    kinds = [kind for kind in PartyKind if process_key(kind) == key]
    rows = [
        row
        for kind in kinds
        for row in queries.list_parties(engine, kind=kind, stage=selection.stage)
    ]
    known = {row.number for row in rows}
    if selection.numbers is not None:
        unknown = [n for n in selection.numbers if n not in known]
        if unknown:
            raise RequestRejected(
                "selection.numbers", f"no party on the {key} process: {', '.join(unknown)}"
            )
        return list(selection.numbers)
    members = (
        {m.number for m in wave_store.wave_members(engine, wave_id=selection.wave_id)}
        if selection.wave_id is not None
        else None
    )
    numbers = [
        row.number
        for row in rows
        if (selection.county is None or row.county == selection.county)
        and (selection.health_trust is None or row.health_trust == selection.health_trust)
        and (members is None or row.number in members)
    ]
    if not numbers:
        raise RequestRejected("selection", f"no party on the {key} process matches the selection")
    return numbers


@router.post("/dry-run")
async def dry_run(
    request: MigrationRequest,
    actor: AdminActor,
    engine: EngineDep,
    client: TemporalDep,
) -> DryRunResult:
    """What the plan would do to each selected party now; nothing changes."""
    check_plan(request.plan)
    numbers = await asyncio.to_thread(select, engine, request.selection, request.plan.key)
    command = MigrationCommand(plan=request.plan, actor=actor)
    previews = await _previews(client, numbers, command)
    timers: Counter[TimerChange] = Counter(
        timer.change for p in previews if p.effect for timer in p.effect.timers
    )
    fit = sum(1 for p in previews if p.effect is not None)
    return DryRunResult(
        id=request.plan.id,
        to_version=request.plan.to_version,
        parties=len(previews),
        fit=fit,
        refused=len(previews) - fit,
        timers={change: timers.get(change, 0) for change in TimerChange},
        previews=previews,
    )


async def _previews(
    client: Client, numbers: list[str], command: MigrationCommand
) -> list[PartyPreview]:
    gate = asyncio.Semaphore(PREVIEW_CONCURRENCY)

    async def one(number: str) -> PartyPreview:
        async with gate:
            try:
                answer = await gateway.preview(client, number, command)
            except OnboardingError as err:
                return PartyPreview(number=number, error=err.to_detail())
        return PartyPreview(number=number, effect=answer.effect, error=answer.error)

    return list(await asyncio.gather(*(one(n) for n in numbers)))


@router.post("", status_code=202, responses=error_responses(409))
async def apply(
    request: MigrationRequest,
    actor: AdminActor,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> MigrationProgress:
    """Start migrating the selected parties; `GET /api/migrations/{id}/progress` follows it.

    The plan is checked first (422 naming the field): a plan that cannot fit
    any party starts nothing and leaves its id unused.
    """
    check_plan(request.plan)
    numbers = await asyncio.to_thread(select, engine, request.selection, request.plan.key)
    return await gateway.start(client, request.plan, actor, numbers, task_queue=settings.task_queue)


@router.get("/{migration_id}/progress", responses=error_responses(404))
async def progress(
    migration_id: MigrationPath, _: AdminActor, client: TemporalDep
) -> MigrationProgress:
    """How far the run is: parties done, migrated, already migrated, refused; each outcome."""
    return await gateway.progress(client, migration_id)


@router.post("/{migration_id}/pause", responses=error_responses(404))
async def pause(
    migration_id: MigrationPath, _: AdminActor, client: TemporalDep
) -> MigrationProgress:
    """Stop the run before its next batch (the batch running finishes)."""
    return await gateway.pause(client, migration_id)


@router.post("/{migration_id}/resume", responses=error_responses(404))
async def resume(
    migration_id: MigrationPath, _: AdminActor, client: TemporalDep
) -> MigrationProgress:
    """Go on from where the run stopped."""
    return await gateway.resume(client, migration_id)


@router.get("/{migration_id}/effects", responses=error_responses(404))
async def effects(
    migration_id: MigrationPath, _: AdminActor, engine: EngineDep
) -> list[MigrationEffect]:
    """What the run did to each party it migrated, as recorded (compare with the dry-run)."""
    found = await asyncio.to_thread(process_migrations.migration_effects, engine, migration_id)
    if not found:
        raise UnknownMigration(migration_id)
    return found
