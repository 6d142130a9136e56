"""`onboarding worker` and `onboarding api`: one service each, against a running Temporal.

This is the production shape: Temporal and the database are wherever the
settings say, and as many workers and API processes run as the load needs.
Neither migrates the database: both refuse to start unless it is at the
newest revision (`onboarding db upgrade` runs the migrations, once, before).
"""

from collections.abc import Callable

from sqlalchemy import Engine
from temporalio.service import RPCError

from onboarding.embedded.bootstrap import open_database
from onboarding.embedded.errors import DatabaseNotReady
from onboarding.embedded.heap import settle_api_after_startup, settle_worker_after_startup
from onboarding.embedded.signals import ShutdownSignals, run_until_stopped
from onboarding.embedded.worker import running_worker
from onboarding.embedded.worker_process import WORKER_READY
from onboarding.gateway.client import register_search_attributes
from onboarding.gateway.connection import connect_to
from onboarding.observability.logs import configure_logging
from onboarding.observability.metrics import serve_metrics
from onboarding.observability.runtime import temporal_runtime
from onboarding.settings import Settings
from onboarding.store.schema import SchemaNotCurrent
from workflows.names import SEARCH_ATTRIBUTES

Say = Callable[[str], None]


def run_worker(settings: Settings, say: Say) -> None:
    """Run the worker until SIGINT or SIGTERM; raise EmbeddedError if it cannot."""
    configure_logging(settings)
    run_until_stopped(lambda signals: _worker(settings, signals, say))
    say("Worker stopped.")


def run_api(settings: Settings, say: Say, *, host: str, port: int) -> None:
    """Serve the API until SIGINT or SIGTERM; raise EmbeddedError if it cannot."""
    configure_logging(settings)
    run_until_stopped(lambda signals: _api(settings, signals, say, host=host, port=port))
    say("API stopped.")


def _checked_database(settings: Settings) -> Engine:
    """The read model, refused (one line naming the command to run) unless migrated."""
    try:
        return open_database(settings)
    except SchemaNotCurrent as err:
        raise DatabaseNotReady(str(err)) from None


async def _worker(settings: Settings, signals: ShutdownSignals, say: Say) -> None:
    engine = _checked_database(settings)
    try:
        client = await signals.until(connect_to(settings, temporal_runtime(settings)))
        try:
            await register_search_attributes(client)
        except RPCError as err:
            # A managed cluster may not let workers change its schema; workflows still
            # run, only the stage search attribute is missing until an operator adds it.
            names = " and ".join(key.name for key in SEARCH_ATTRIBUTES)
            say(f"warning: could not register the search attributes {names} (Keyword): {err}")
        if settings.metrics_port is not None:
            serve_metrics(settings.metrics_host, settings.metrics_port)
            say(f"Metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics")
        async with running_worker(
            client, engine, task_queue=settings.task_queue, settings=settings
        ) as worker:
            settle_worker_after_startup()
            say(
                f"{WORKER_READY} {settings.task_queue!r} on "
                f"{settings.temporal_address} (namespace {settings.temporal_namespace}). "
                "Ctrl-C to stop."
            )
            await signals.stopped({"worker": worker})
            say("Stopping: finishing the tasks in flight ...")
    finally:
        engine.dispose()


async def _api(
    settings: Settings, signals: ShutdownSignals, say: Say, *, host: str, port: int
) -> None:
    # The web stack, here rather than at the top: a worker process (up's child
    # included) starts a second sooner without it.
    from onboarding.embedded.app import create_app
    from onboarding.embedded.services import running_api

    engine = _checked_database(settings)
    try:
        # Connected here rather than in the app's lifespan, so an unreachable Temporal
        # is one line of error, not a traceback from inside uvicorn.
        client = await signals.until(connect_to(settings, temporal_runtime(settings)))
        app = create_app(settings, client=client, engine=engine)
        async with running_api(app, host=host, port=port) as api:
            settle_api_after_startup()
            url = f"http://{host}:{port}"
            say(f"API on {url} (docs: {url}/docs), Temporal at {settings.temporal_address}.")
            say("Ctrl-C to stop.")
            await signals.stopped({"API": api})
    finally:
        engine.dispose()
