"""/api/reconcile: check the read model against the workflows and repair it (admin)."""

from typing import Annotated

from fastapi import APIRouter, Query

from onboarding.api.deps import AdminActor, EngineDep, SettingsDep, TemporalDep
from onboarding.api.errors import error_responses
from onboarding.gateway.reconcile import ReconcileOptions, ReconcileReport, reconcile

router = APIRouter(
    prefix="/reconcile", tags=["reconcile"], responses=error_responses(401, 403, 503)
)


@router.post("")
async def run_reconcile(
    settings: SettingsDep,
    engine: EngineDep,
    client: TemporalDep,
    _: AdminActor,
    dry_run: Annotated[bool, Query(description="only report; change nothing")] = False,
) -> ReconcileReport:
    """Compare every municipality's row and audit events with its workflow; repair what the
    workflow can tell (a lagging or missing row, missing audit events, a workflow to start).

    Safe to run at any time and twice: every repair writes what the workflow recorded,
    through the same idempotent projection the workers use.
    """
    return await reconcile(
        client,
        engine,
        ReconcileOptions(
            task_queue=settings.task_queue,
            continue_as_new_after_events=settings.continue_as_new_after_events,
            policy=settings.reminder_policy(),
            dry_run=dry_run,
        ),
    )
