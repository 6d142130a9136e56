"""`onboarding worker` and `onboarding api`: one service each, against a running Temporal.

This is the production shape: Temporal and the database are wherever the
settings say, and as many workers and API processes run as the load needs.
"""

from collections.abc import Callable

from temporalio.client import Client
from temporalio.service import RPCError

from onboarding.api.app import create_app
from onboarding.embedded.bootstrap import prepare_database
from onboarding.embedded.errors import TemporalUnreachable
from onboarding.embedded.services import running_api, running_worker
from onboarding.embedded.signals import ShutdownSignals, run_until_stopped
from onboarding.settings import Settings
from onboarding.temporal import SEARCH_ATTRIBUTES, connect, register_search_attributes

Say = Callable[[str], None]


def run_worker(settings: Settings, say: Say) -> None:
    """Run the worker until SIGINT or SIGTERM; raise EmbeddedError if it cannot."""
    run_until_stopped(lambda signals: _worker(settings, signals, say))
    say("Worker stopped.")


def run_api(settings: Settings, say: Say, *, host: str, port: int) -> None:
    """Serve the API until SIGINT or SIGTERM; raise EmbeddedError if it cannot."""
    run_until_stopped(lambda signals: _api(settings, signals, say, host=host, port=port))
    say("API stopped.")


async def connect_to(settings: Settings) -> Client:
    """A client of the configured Temporal, or TemporalUnreachable saying where we looked."""
    try:
        return await connect(settings.temporal_address, settings.temporal_namespace)
    except RuntimeError as err:
        raise TemporalUnreachable(
            f"cannot connect to Temporal at {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace}): {err}"
        ) from None


async def _worker(settings: Settings, signals: ShutdownSignals, say: Say) -> None:
    client = await signals.until(connect_to(settings))
    try:
        await register_search_attributes(client)
    except RPCError as err:
        # A managed cluster may not let workers change its schema; workflows still
        # run, only the stage search attribute is missing until an operator adds it.
        names = " and ".join(key.name for key in SEARCH_ATTRIBUTES)
        say(f"warning: could not register the search attributes {names} (Keyword): {err}")
    engine = prepare_database(settings)
    try:
        async with running_worker(
            client, engine, task_queue=settings.task_queue, settings=settings
        ) as worker:
            say(
                f"Worker polling task queue {settings.task_queue!r} on "
                f"{settings.temporal_address} (namespace {settings.temporal_namespace}). "
                "Ctrl-C to stop."
            )
            await signals.stopped({"worker": worker})
    finally:
        engine.dispose()


async def _api(
    settings: Settings, signals: ShutdownSignals, say: Say, *, host: str, port: int
) -> None:
    # Connected here rather than in the app's lifespan, so an unreachable Temporal
    # is one line of error, not a traceback from inside uvicorn.
    client = await signals.until(connect_to(settings))
    engine = prepare_database(settings)
    try:
        app = create_app(settings, client=client, engine=engine)
        async with running_api(app, host=host, port=port) as api:
            url = f"http://{host}:{port}"
            say(f"API on {url} (docs: {url}/docs), Temporal at {settings.temporal_address}.")
            say("Ctrl-C to stop.")
            await signals.stopped({"API": api})
    finally:
        engine.dispose()
