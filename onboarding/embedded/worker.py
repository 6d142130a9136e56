"""The worker: the municipality, wave and migration workflows and the activities they call."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.migrations import MigrationActivities
from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from activities.waves import WaveActivities
from onboarding.embedded.bytecode import keep_bytecode
from onboarding.embedded.sandbox_runner import workflow_runner
from onboarding.settings import Settings
from workflows.migration import MigrationWorkflow
from workflows.municipality import MunicipalityWorkflow
from workflows.party import PartyWorkflow
from workflows.wave import WaveWorkflow

WORKFLOWS = [PartyWorkflow, MunicipalityWorkflow, WaveWorkflow, MigrationWorkflow]
# Room for the member calls of several waves at once (4 in flight per wave).
MEMBER_CALL_SLOTS = 32


def build_worker(
    client: Client,
    engine: Engine,
    *,
    task_queue: str,
    settings: Settings | None = None,
    max_cached_workflows: int | None = None,
) -> Worker:
    """A worker for `task_queue`; run it with `async with` or `await worker.run()`.

    Activities are synchronous (SQLAlchemy sessions, smtplib) and run on a
    thread pool. `settings` gives the notification activities their SMTP relay
    and link base, and the worker its tuning (ONBOARDING_WORKER_*); without it
    they are read from the environment now. `max_cached_workflows` overrides
    the setting (tests use 0 to force replays).

    On shutdown (SIGTERM) the worker stops polling at once, lets running
    activities finish for up to `worker_graceful_shutdown_seconds`, then
    cancels them; their retries run on another worker.
    """
    settings = settings if settings is not None else Settings()
    # The sandbox imports the workflow modules again for each workflow instance.
    keep_bytecode()
    activity_threads = settings.worker_max_concurrent_activities
    projection = ProjectionActivities(engine)
    notifications = NotificationActivities(engine, settings)
    waves = WaveActivities(client, engine)
    migrations = MigrationActivities(client)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(),
        activities=[
            projection.register_municipality,
            projection.record_transition,
            projection.record_obligations,
            projection.record_correction,
            projection.note_run,
            projection.record_migration,
            projection.party_stage,
            notifications.enqueue_notifications,
            notifications.deliver_notifications,
            waves.record_wave,
            waves.record_checklist,
            waves.record_checklist_items,
            waves.call_member,
            migrations.migrate_party,
        ],
        activity_executor=ThreadPoolExecutor(max_workers=activity_threads + MEMBER_CALL_SLOTS),
        # call_member (async) waits on a member's update, which needs a slot for
        # its own SQL write: the extra slots keep a wave's fan-out from starving it.
        max_concurrent_activities=activity_threads + MEMBER_CALL_SLOTS,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        max_cached_workflows=(
            settings.worker_max_cached_workflows
            if max_cached_workflows is None
            else max_cached_workflows
        ),
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_graceful_shutdown_seconds),
    )


@contextlib.asynccontextmanager
async def running_worker(
    client: Client, engine: Engine, *, task_queue: str, settings: Settings
) -> AsyncIterator["asyncio.Task[None]"]:
    """Run the worker for `task_queue` until the block exits (SMTP and links from `settings`)."""
    worker = build_worker(
        client,
        engine,
        task_queue=task_queue,
        settings=settings,
        max_cached_workflows=settings.worker_max_cached_workflows,
    )
    task = asyncio.create_task(worker.run(), name="worker")
    try:
        yield task
    finally:
        if not task.done():
            await worker.shutdown()
        await asyncio.gather(task, return_exceptions=True)
