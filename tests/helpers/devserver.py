"""A real Temporal dev server and real `onboarding worker` processes, for tests that kill them.

Nothing here is mocked: the dev server is `temporal server start-dev` on a
SQLite file (onboarding.embedded.devserver.DevServer), the worker is
`python -m onboarding worker` in a process of its own, so a test can SIGKILL
either one and start it again on the same files. Every process is stopped by
`Rig.close()`; the logs are kept for the failure report.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.embedded.devserver import DevServer, DevServerOptions, temporal_binary
from onboarding.gateway.codec import EncryptionCodec, KeyRing, new_key
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from tests.helpers.ports import free_port  # noqa: F401  (re-exported to the tests)
from tools.processes import Service

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


@dataclass
class WorkerProcess(Service):
    """`python -m onboarding worker` (or another command) as a child process, output in a file.

    Starting, killing and stopping are tools/processes.py's (shared with the endurance run).
    """

    async def wait_polling(self, *, timeout: float = START_TIMEOUT) -> None:
        """Until the process says it is ready (polls, serves); fail with its output otherwise."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            assert self.alive(), f"{self.log_file.stem} exited:\n{self.output()}"
            assert time.monotonic() < deadline, (
                f"{self.log_file.stem} did not start:\n{self.output()}"
            )
            await asyncio.sleep(0.1)


@dataclass
class Rig:
    """A dev server on a SQLite file, a SQLite read model, and the workers of one task queue."""

    root: Path
    dev: DevServer
    engine: Engine
    database_url: str
    task_queue: str
    # The payload keys the workers and the test's client share.
    keys: KeyRing = field(default_factory=lambda: KeyRing((new_key("k1"),)))
    client: Client | None = None
    workers: list[WorkerProcess] = field(default_factory=list)
    apis: list[WorkerProcess] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path, *, database_url: str | None = None) -> "Rig":
        """Files and ports for a rig under `root`; nothing runs yet.

        The read model is a SQLite file under `root` unless `database_url` names
        another (migrated here, as `onboarding db upgrade` would).
        """
        options = DevServerOptions(
            binary=temporal_binary(),
            db_file=root / "temporal.db",
            log_file=root / "temporal.log",
            port=free_port(),
            ui_port=free_port(),
        )
        database_url = database_url or f"sqlite:///{root / 'onboarding.db'}"
        engine = make_engine(database_url)
        create_schema(engine)
        return cls(
            root=root,
            dev=DevServer(options),
            engine=engine,
            database_url=database_url,
            task_queue=f"durable-{uuid.uuid4()}",
        )

    @property
    def temporal_address(self) -> str:
        return self.dev.options.address

    async def start_server(self) -> Client:
        """Start the dev server (again: same SQLite file, same port); a client of it."""
        self.dev.start()
        self.client = await self.dev.wait_ready(
            timeout=START_TIMEOUT, codec=EncryptionCodec(self.keys)
        )
        return self.client

    def stop_server(self, how: signal.Signals) -> None:
        """Stop the dev server with `how` and wait until it is gone."""
        process = self.dev.process
        assert process is not None and process.poll() is None, "the dev server is not running"
        process.send_signal(how)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
            raise AssertionError(
                f"the dev server ignored {how.name} for {STOP_TIMEOUT} s"
            ) from None

    def server_running(self) -> bool:
        return self.dev.process is not None and self.dev.process.poll() is None

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
        env.update(
            ONBOARDING_HOME=str(self.root / "home"),
            ONBOARDING_TEMPORAL_ADDRESS=self.temporal_address,
            ONBOARDING_DATABASE_URL=self.database_url,
            ONBOARDING_TASK_QUEUE=self.task_queue,
            ONBOARDING_ENCRYPTION_KEYS=self.keys.serialize(),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra or {})
        return env

    async def start_worker(self, env: dict[str, str] | None = None) -> WorkerProcess:
        """A new `onboarding worker` process on this rig's queue, once it polls."""
        worker = WorkerProcess(self._env(env), self.root / f"worker-{len(self.workers) + 1}.log")
        self.workers.append(worker)
        worker.start()
        await worker.wait_polling()
        return worker

    async def start_api(self, port: int, env: dict[str, str] | None = None) -> WorkerProcess:
        """A new `onboarding api` process on 127.0.0.1:`port`, once it serves."""
        api = WorkerProcess(
            self._env(env),
            self.root / f"api-{len(self.apis) + 1}.log",
            args=("api", "--host", "127.0.0.1", "--port", str(port)),
            ready_text="API on http://",
        )
        self.apis.append(api)
        api.start()
        await api.wait_polling()
        return api

    def close(self) -> None:
        """Stop every process this rig started and release the read model."""
        for service in [*self.apis, *self.workers]:
            with contextlib.suppress(Exception):
                service.stop()
        with contextlib.suppress(Exception):
            self.dev.stop(timeout=STOP_TIMEOUT)
        self.engine.dispose()

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, root: Path) -> AsyncIterator["Rig"]:
        """A rig with its dev server started; everything stopped after, the report printed.

        pytest shows the printed report only when the test failed.
        """
        rig = cls.create(root)
        try:
            await rig.start_server()
            yield rig
        finally:
            rig.close()
            print(rig.report())

    def processes(self) -> str:
        """One line: which of this rig's processes run, and how the others ended."""

        def state(process: "subprocess.Popen[bytes] | None") -> str:
            if process is None:
                return "not started"
            code = process.poll()
            return "running" if code is None else f"exited {code}"

        workers = [f"{w.log_file.stem} {state(w.process)}" for w in self.workers]
        return "; ".join([f"dev server {state(self.dev.process)}", *workers])

    def report(self) -> str:
        """Every worker's output and the dev server's log tail, for a failed test."""
        parts = []
        for worker in [*self.apis, *self.workers]:
            code = worker.process.returncode if worker.process is not None else None
            output = worker.output()
            if len(output) > 6000:  # mostly the SDK's retries while the server was down
                output = f"{output[:2000]}\n[...]\n{output[-4000:]}"
            parts.append(f"--- {worker.log_file.name} (exit {code}) ---\n{output}")
        try:
            tail = self.dev.options.log_file.read_text(errors="replace")[-4000:]
        except OSError:
            tail = "(no log)"
        parts.append(f"--- temporal.log (tail) ---\n{tail}")
        return "\n".join(parts)
