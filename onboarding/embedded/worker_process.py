"""The worker of `onboarding up`, run as `onboarding worker` in a process of its own.

Why a process: in one interpreter the API, the demo's loader and the worker
took turns on one GIL, and under load that process, not the dev server, set
the pace (#21, #23: the first `up --demo` and transitions at concurrency 10
over HTTP). As a child the worker runs beside the API on the other core, with
the production command's own start-up and shutdown (onboarding/embedded/standalone.py);
`up` stays one command.

The child gets up's settings (its environment, and the data dir, Temporal
address and links `up` decides), runs in a session of its own so a Ctrl-C in
the terminal reaches only `up`, which stops it after the API and before the
dev server, and dies with `up` if `up` is killed outright. Its log messages go
to up's standard error, as the worker's did in-process.
"""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator

from onboarding.embedded.children import dies_with_this_process, how_it_ended
from onboarding.embedded.errors import ServiceFailed
from onboarding.settings import Settings

# How `onboarding worker` (standalone.py) says its worker runs; `up` waits for it.
WORKER_READY = "Worker polling task queue"
START_TIMEOUT_SECONDS = 120.0
# How long the child keeps trying to reach the dev server: as long as up waits for it.
DEV_SERVER_WAIT_SECONDS = 60
# A cluster's connection and a service's metrics, which `up` does not use: its own
# client talks plain gRPC to its dev server and serves no metrics, so neither may
# its worker (TLS against the dev server would fail; a metrics port may be taken).
NOT_FOR_THE_EMBEDDED_WORKER = (
    "ONBOARDING_TEMPORAL_TLS",
    "ONBOARDING_TEMPORAL_TLS_CA_FILE",
    "ONBOARDING_TEMPORAL_TLS_CERT_FILE",
    "ONBOARDING_TEMPORAL_TLS_KEY_FILE",
    "ONBOARDING_TEMPORAL_TLS_SERVER_NAME",
    "ONBOARDING_TEMPORAL_API_KEY",
    "ONBOARDING_METRICS_PORT",
    "ONBOARDING_TEMPORAL_METRICS_PORT",
)
# On top of the worker's own grace period for running activities.
STOP_MARGIN_SECONDS = 10.0


def worker_command(settings: Settings) -> list[str]:
    """`python -m onboarding worker` on up's data dir (named, so a leftover is findable).

    -P: the working directory is not put on the module path, so a `workflows` or
    `onboarding` package where `up` was started cannot stand in for ours.
    """
    return [
        sys.executable,
        "-P",
        "-m",
        "onboarding",
        "worker",
        "--data-dir",
        str(settings.home),
    ]


def worker_environment(settings: Settings) -> dict[str, str]:
    """Our environment, with the settings `up` decides rather than reads."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in NOT_FOR_THE_EMBEDDED_WORKER}
    env.update(
        {
            "ONBOARDING_TEMPORAL_ADDRESS": settings.temporal_address,
            # Started while the dev server boots: it connects once the server answers.
            "ONBOARDING_TEMPORAL_CONNECT_WAIT_SECONDS": str(DEV_SERVER_WAIT_SECONDS),
            "ONBOARDING_URL": settings.url,
            "ONBOARDING_TEMPORAL_UI_URL": settings.temporal_ui_url,
        }
    )
    if "log_level" not in settings.model_fields_set:
        # Warnings and errors, as when the worker ran in up's process (which configures
        # no logging): up's terminal is the user's, not an operator's log.
        env["ONBOARDING_LOG_LEVEL"] = "WARNING"
    return env


class WorkerProcess:
    """One `onboarding worker` child: started, awaited until it polls, watched, stopped."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Launch the child; it imports and connects while we go on (see wait_ready)."""
        self.process = await asyncio.create_subprocess_exec(
            *worker_command(self.settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            env=worker_environment(self.settings),
            start_new_session=True,
            preexec_fn=dies_with_this_process(),
        )

    async def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Until the child says its worker runs; ServiceFailed if it exits or takes too long."""
        process = self._started()
        assert process.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    line = (await process.stdout.readline()).decode(errors="replace")
                    if not line:
                        code = await process.wait()
                        raise ServiceFailed(
                            f"the worker {how_it_ended(code)} before it polled "
                            "(see the messages above)"
                        )
                    if line.startswith(WORKER_READY):
                        break
        except TimeoutError:
            raise ServiceFailed(f"the worker did not start polling in {timeout:.0f} s") from None
        # What it says from now on (its shutdown) is not ours to print, but its pipe
        # must not fill up and block it.
        self._drain = asyncio.create_task(_discard(process.stdout), name="worker output")

    async def watch(self) -> None:
        """Raise ServiceFailed when the child exits (to notice it dying under us)."""
        code = await self._started().wait()
        raise ServiceFailed(f"the worker process {how_it_ended(code)}")

    async def stop(self) -> int | None:
        """SIGTERM, let it finish its tasks in flight, kill it if it will not go; its code."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            grace = self.settings.worker_graceful_shutdown_seconds + STOP_MARGIN_SECONDS
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)
        return process.returncode

    def kill(self) -> None:
        """SIGKILL, for when a clean stop was cut short."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    def _started(self) -> asyncio.subprocess.Process:
        if self.process is None:
            raise ServiceFailed("the worker process was not started")
        return self.process


async def _discard(stream: asyncio.StreamReader) -> None:
    while await stream.read(65_536):
        pass


@contextlib.asynccontextmanager
async def running_worker_process(settings: Settings) -> AsyncIterator[WorkerProcess]:
    """A started worker child, always stopped when the block exits (ready: `wait_ready`)."""
    worker = WorkerProcess(settings)
    await worker.start()
    try:
        yield worker
    finally:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # A second Ctrl-C cut the clean stop short (perhaps while the API drained):
            # no grace period for the worker either.
            worker.kill()
        try:
            await worker.stop()
        except asyncio.CancelledError:
            worker.kill()
            raise
