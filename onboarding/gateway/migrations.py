"""The Temporal side of process migrations: dry-run per party, start, progress, pause, resume.

The dry-run asks each party's workflow (`preview_migration`, a query: it
changes nothing); the apply starts one migration workflow that calls each
party's `migrate` update. Both run the same pure function on the same
state, so what the dry-run lists is what the apply does, party by party.
"""

from collections.abc import Callable

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from onboarding.domain.actor import Actor
from onboarding.domain.errors import MigrationExists, UnknownMigration
from onboarding.domain.migrations.run import (
    MigrationCallResult,
    MigrationProgress,
    MigrationRunInput,
)
from onboarding.domain.process.migration_plan import MigrationCommand, MigrationPlan
from onboarding.gateway.parties import engine_errors, queried
from workflows.migration import MigrationWorkflow
from workflows.names import migration_workflow_id, party_workflow_id
from workflows.party import PartyWorkflow


async def preview(client: Client, number: str, command: MigrationCommand) -> MigrationCallResult:
    """What the migration would do to one party now: its effect, or why it does not fit."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    return await queried(lambda: handle.query(PartyWorkflow.preview_migration, command), number)


async def start(
    client: Client,
    plan: MigrationPlan,
    actor: Actor,
    numbers: list[str],
    *,
    task_queue: str,
) -> MigrationProgress:
    """Start the run; MigrationExists if a run with the plan's id was ever started."""
    try:
        handle = await client.start_workflow(
            MigrationWorkflow.run,
            MigrationRunInput(plan=plan, actor=actor, numbers=numbers),
            id=migration_workflow_id(plan.id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
    except WorkflowAlreadyStartedError:
        raise MigrationExists(plan.id) from None
    return await queried(
        lambda: handle.query(MigrationWorkflow.progress), plan.id, missing=UnknownMigration(plan.id)
    )


def _handle(
    client: Client, migration_id: str
) -> WorkflowHandle[MigrationWorkflow, MigrationProgress]:
    return client.get_workflow_handle_for(
        MigrationWorkflow.run, migration_workflow_id(migration_id)
    )


async def progress(client: Client, migration_id: str) -> MigrationProgress:
    """Where the run stands (while it runs, and after)."""
    handle = _handle(client, migration_id)
    return await queried(
        lambda: handle.query(MigrationWorkflow.progress),
        migration_id,
        missing=UnknownMigration(migration_id),
    )


async def pause(client: Client, migration_id: str) -> MigrationProgress:
    """Stop the run before its next batch; a finished run is answered as it is."""
    return await _signal(client, migration_id, MigrationWorkflow.pause)


async def resume(client: Client, migration_id: str) -> MigrationProgress:
    """Go on from where the run stopped; a finished run is answered as it is."""
    return await _signal(client, migration_id, MigrationWorkflow.resume)


async def _signal(
    client: Client, migration_id: str, signal: Callable[[MigrationWorkflow], None]
) -> MigrationProgress:
    before = await progress(client, migration_id)
    if before.finished:
        return before
    with engine_errors(migration_id, missing=UnknownMigration(migration_id)):
        await _handle(client, migration_id).signal(signal)
    return await progress(client, migration_id)
