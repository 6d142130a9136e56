"""The worker: municipality workflows and the activities they call."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from onboarding.settings import Settings
from workflows.municipality import MunicipalityWorkflow

WORKFLOWS = [MunicipalityWorkflow]


def build_worker(
    client: Client,
    engine: Engine,
    *,
    task_queue: str,
    settings: Settings | None = None,
    max_cached_workflows: int = 1_000,
    activity_threads: int = 8,
) -> Worker:
    """A worker for `task_queue`; run it with `async with` or `await worker.run()`.

    Activities are synchronous (SQLAlchemy sessions, smtplib) and run on a
    thread pool. `settings` gives the notification activities their SMTP relay
    and link base; without it they are read from the environment now.
    """
    settings = settings if settings is not None else Settings()
    projection = ProjectionActivities(engine)
    notifications = NotificationActivities(engine, settings)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            projection.register_municipality,
            projection.record_transition,
            projection.record_obligations,
            notifications.enqueue_notifications,
            notifications.deliver_notifications,
        ],
        activity_executor=ThreadPoolExecutor(max_workers=activity_threads),
        max_concurrent_activities=activity_threads,
        max_cached_workflows=max_cached_workflows,
    )
