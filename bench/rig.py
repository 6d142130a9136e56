"""A dev server, the engine's worker and the API over ASGI: what the benchmarks drive.

By default the shape of `onboarding up` (one process for worker and API, a
dev server on a SQLite file, SQLite read model), built here so a benchmark can
add the floor's worker beside it and drop everything afterwards. With
`processes=True` the shape of a deployment instead: the engine's worker is
`python -m onboarding worker` and the floor's `python -m bench.floor`, each a
process of its own, while the API stays in the benchmark's process.

`running_up` is `onboarding up` itself, as shipped, in a process of its own.
"""

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from temporalio.client import Client

from bench.floor import floor_worker
from onboarding.domain.municipality import Municipality
from onboarding.domain.policy import ReminderPolicy
from onboarding.embedded.app import create_app
from onboarding.embedded.children import dies_with_this_process
from onboarding.embedded.devserver import DevServer, DevServerOptions, temporal_binary
from onboarding.embedded.worker import build_worker
from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.store.tokens import Role


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def synthetic(count: int) -> list[Municipality]:
    """`count` made-up municipalities, numbered 0000, 0001, ... (at most 10,000: 4 digits)."""
    if not 0 < count <= 10_000:
        raise ValueError(f"1 to 10,000 municipalities (4-digit numbers), not {count}")
    return [
        Municipality(
            number=f"{i:04d}",
            name=f"Benchby {i}",
            county="Trøndelag",
            health_trust="St. Olavs hospital HF",
        )
        for i in range(count)
    ]


def registered(engine: Engine, stage: str | None = None) -> int:
    """Municipalities in the read model (at `stage`): a count, cheap to poll."""
    query = select(func.count()).select_from(MunicipalityRow)
    if stage is not None:
        query = query.where(MunicipalityRow.stage == stage)
    with Session(engine) as session:
        return int(session.exec(query).one())


def start_dev_server(root: Path) -> DevServer:
    """A Temporal dev server on a SQLite file under `root`, on free ports (started)."""
    server = DevServer(
        DevServerOptions(
            binary=temporal_binary(),
            db_file=root / "temporal.db",
            log_file=root / "temporal.log",
            port=free_port(),
            ui_port=free_port(),
        )
    )
    server.start()
    return server


@dataclass
class Spawned:
    """A worker process of a benchmark, with its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def spawn(argv: list[str], env: dict[str, str], log: Path, ready: bytes) -> Spawned:
    """Start `python argv` with `env` (ONBOARDING_* replaced), once its log shows `ready`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
    with log.open("wb") as out:
        # Killed or stopped by a signal, a benchmark runs no cleanup: without this its
        # `up` (and that one's dev server and worker) would go on serving nobody.
        process = subprocess.Popen(
            [sys.executable, *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**clean, **env},
            preexec_fn=dies_with_this_process(),
        )
    while ready not in log.read_bytes():
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        await asyncio.sleep(0.2)
    return Spawned(process, log)


async def spawn_worker(
    root: Path,
    server: DevServer,
    *,
    database_url: str,
    task_queue: str,
    cache_limit: int,
    policy_file: Path | None = None,
) -> Spawned:
    """`python -m onboarding worker` on `task_queue`, with `root/home`'s payload keys."""
    env = {
        "ONBOARDING_HOME": str(root / "home"),
        "ONBOARDING_TEMPORAL_ADDRESS": server.options.address,
        "ONBOARDING_DATABASE_URL": database_url,
        "ONBOARDING_TASK_QUEUE": task_queue,
        "ONBOARDING_WORKER_MAX_CACHED_WORKFLOWS": str(cache_limit),
    }
    if policy_file is not None:
        env["ONBOARDING_POLICY_FILE"] = str(policy_file)
    argv = ["-m", "onboarding", "worker"]
    return await spawn(argv, env, root / f"worker-{task_queue}.log", b"Worker polling")


@dataclass
class Up:
    """`python -m onboarding up` as shipped: its data dir, its API and its dev server."""

    home: Path
    url: str
    temporal_address: str

    def admin_token(self) -> str:
        """The token `up` created for the admin on its first start."""
        return (self.home / "admin.token").read_text().strip()


@contextlib.asynccontextmanager
async def running_up(
    root: Path, *extra: str, env: dict[str, str] | None = None
) -> AsyncIterator[Up]:
    """`onboarding up` on free ports with its data dir in `root`, once it has said it is up.

    No ONBOARDING_* variable reaches it but those of `env`: every other setting
    is the shipped default; `extra` are more options (`--demo`). Stopped with
    SIGTERM afterwards; its output is `root/up.log`.
    """
    home = root / "data"
    api, temporal, ui = free_port(), free_port(), free_port()
    argv = ["-m", "onboarding", "up", "--data-dir", str(home), "--port", str(api)]
    argv += ["--temporal-port", str(temporal), "--ui-port", str(ui), *extra]
    up = await spawn(argv, env or {}, root / "up.log", b"Press Ctrl-C to stop.")
    try:
        yield Up(home, f"http://127.0.0.1:{api}", f"127.0.0.1:{temporal}")
    finally:
        up.stop()


@dataclass
class Bench:
    """Everything a benchmark talks to."""

    root: Path
    client: Client
    engine: Engine
    http: httpx.AsyncClient
    token: str
    task_queue: str
    floor_queue: str
    # API requests sent, and how many of them wrote (POST, PUT, DELETE).
    requests: int = 0
    writes: int = 0
    # 503s repeated (see `request`): counted in `requests` and `writes` too.
    repeats: int = 0
    # What was repeated: the call (ids left out) and the error the API named.
    repeated: Counter[str] = field(default_factory=Counter)

    async def count(self, request: httpx.Request) -> None:
        """httpx event hook: counts each request the benchmark sends."""
        self.requests += 1
        self.writes += request.method in ("POST", "PUT", "DELETE")

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """One API request, repeated after a 503 where a repeat cannot apply it twice.

        What a well-behaved client does with "engine unavailable, try again" (a
        saturated worker missing a query's deadline, a stuck workflow task): a
        read, a request that changed nothing, or one with an idempotency key is
        sent again after a pause; a keyless write whose outcome is unknown is not.
        """
        for pause in REPEAT_PAUSES:
            response = await self.http.request(method, path, json=body, headers=self.auth())
            if response.status_code != 503 or not _repeatable(method, body, response):
                return response
            self.note_repeat(method, path, response)
            await asyncio.sleep(pause)
        return await self.http.request(method, path, json=body, headers=self.auth())

    def note_repeat(self, method: str, path: str, response: httpx.Response) -> None:
        """Count a request about to be repeated after a 503, by call and the error named."""
        self.repeats += 1
        try:
            error = response.json().get("error", "?")
        except ValueError:
            error = response.text[:80]
        self.repeated[f"{method} {re.sub(r'/[0-9]+', '/{id}', path)}: {error}"] += 1

    def repeats_note(self) -> str:
        """The repeats as a run's note says them ("" when there were none)."""
        if not self.repeats:
            return ""
        calls = ", ".join(f"{n} x {call}" for call, n in self.repeated.most_common())
        return f"{self.repeats} requests repeated after a 503 ({calls})"

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.request("POST", path, body)

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.request("PUT", path, body)


# Seconds between the tries of a request answered 503: about a minute in all.
REPEAT_PAUSES = (0.5, 1, 2, 4, 8, 15, 30)


def _repeatable(method: str, body: Any, response: httpx.Response) -> bool:
    if method == "GET" or (isinstance(body, dict) and body.get("idempotency_key")):
        return True
    try:
        return bool(response.json().get("outcome") != "unknown")
    except ValueError:
        return False


@contextlib.asynccontextmanager
async def dev_bench(
    *,
    policy: ReminderPolicy | None = None,
    max_cached_workflows: int = 10_000,
    processes: bool = False,
) -> AsyncIterator[Bench]:
    """A fresh dev server, worker (engine and floor) and API; all gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as tmp:
        root = Path(tmp)
        server = start_dev_server(root)
        database_url = f"sqlite:///{root / 'onboarding.db'}"
        engine = make_engine(database_url)
        create_schema(engine)
        spawned: list[Spawned] = []
        try:
            # Payloads sealed as in production: the codec's cost is part of every figure.
            home = root / "home"
            client = await server.wait_ready(
                codec=EncryptionCodec(configured_key_ring(Settings(home=home)))
            )
            task_queue = f"bench-{uuid.uuid4()}"
            floor_queue = f"floor-{uuid.uuid4()}"
            policy_file = None
            if policy is not None:
                policy_file = root / "policy.json"
                policy_file.write_text(policy.model_dump_json())
            settings = Settings(home=home, task_queue=task_queue, policy_file=policy_file)
            app = create_app(settings, client=client, engine=engine)
            _, secret = tokens.create_token(engine, name="bench", role=Role.ADMIN)
            async with contextlib.AsyncExitStack() as workers:
                if processes:
                    spawned.append(
                        await spawn_worker(
                            root,
                            server,
                            database_url=database_url,
                            task_queue=task_queue,
                            cache_limit=max_cached_workflows,
                            policy_file=policy_file,
                        )
                    )
                    argv = ["-m", "bench.floor", server.options.address, floor_queue, str(home)]
                    log = root / "floor.log"
                    spawned.append(await spawn(argv, {}, log, b"Floor worker polling"))
                else:
                    await workers.enter_async_context(
                        build_worker(
                            client,
                            engine,
                            task_queue=task_queue,
                            settings=settings,
                            max_cached_workflows=max_cached_workflows,
                        )
                    )
                    await workers.enter_async_context(
                        floor_worker(client, floor_queue, max_cached_workflows=max_cached_workflows)
                    )
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://bench",
                    timeout=120,
                ) as http:
                    bench = Bench(root, client, engine, http, secret, task_queue, floor_queue)
                    http.event_hooks["request"].append(bench.count)
                    yield bench
        finally:
            for worker in spawned:
                worker.stop()
            engine.dispose()
            server.stop()
