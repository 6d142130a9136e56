"""The deployment the endurance run breaks: PostgreSQL, a dev server, workers and APIs, a relay.

Everything is the real thing, each in a process of its own, as production
runs it (docs/production.md): a PostgreSQL cluster of the run's own (Debian's
initdb and pg_ctl, trust auth, a free port, its socket in the run's dir; the
machine's shared server is never touched), the Temporal dev server from the
project's binaries on a SQLite file, `onboarding db upgrade` and
`onboarding db admin-token`, then `onboarding worker` and `onboarding api`
processes with `ONBOARDING_MODE=production`. The mail relay is an aiosmtpd
server in this process that keeps every message it accepts.
"""

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import create_engine, text
from temporalio.client import Client

from onboarding.embedded.devserver import DevServer, DevServerOptions, temporal_binary
from onboarding.gateway.codec import EncryptionCodec, KeyRing, new_key
from tools.processes import STOP_TIMEOUT, Service, free_port

START_TIMEOUT = 90.0
SENDER = "onboarding@endurance.example.no"

# -- PostgreSQL, a cluster of the run's own ---------------------------------------------


def postgres_bin() -> Path:
    """Debian's newest PostgreSQL binaries (/usr/lib/postgresql/<version>/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return found[-1].parent


@dataclass
class Postgres:
    """A private cluster in `root`: trust auth, 127.0.0.1:`port`, its socket in `root`."""

    root: Path
    port: int
    bin: Path = field(default_factory=postgres_bin)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/onboarding"

    def _run(self, *argv: str) -> None:
        """Run a PostgreSQL program to its end, its output to pg_ctl.log.

        Never to a pipe: the server pg_ctl starts would inherit it and the wait
        for its end would never end.
        """
        # initdb and the server refuse to run as root: as root, run them as `postgres`.
        user = "postgres" if os.geteuid() == 0 else None
        with (self.root / "pg_ctl.log").open("ab") as out:
            subprocess.run(
                argv,
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=180,
                user=user,
                cwd=self.root,
            )

    def init(self) -> None:
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            if not connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = 'onboarding'")
            ).first():
                connection.execute(text("CREATE DATABASE onboarding"))
        admin.dispose()

    def restart_immediate(self) -> None:
        """`pg_ctl restart -m immediate`: no checkpoint, crash recovery on the way up."""
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"),
            "-m", "immediate", "-w", "-t", "120", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


# -- the services -----------------------------------------------------------------------


@dataclass
class Named(Service):
    """A service of the deployment, by name, that a fault may kill and a supervisor restarts."""

    name: str = ""

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """True once it says it is ready; False if it exited or took too long."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if not self.alive() or time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    async def restart(self, attempts: int = 10) -> None:
        """Start it until it is ready: it refuses to start while Temporal or the database
        is down, as a supervisor would find."""
        for _ in range(attempts):
            self.kill()
            self.start()
            if await self.wait_ready():
                return
            await asyncio.sleep(2.0)
        raise RuntimeError(f"{self.name} did not start:\n{self.output()[-3000:]}")


# -- the mail relay ---------------------------------------------------------------------


@dataclass
class Relay:
    """An SMTP server that accepts everything and keeps each message's Message-ID."""

    message_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        # Parsed, not split: the header is folded when the Message-ID is long.
        parsed = message_from_bytes(raw, policy=email_policy.default)
        message_id = str(parsed["Message-ID"]).strip()
        with self.lock:
            self.message_ids.append(message_id)
        return "250 Message accepted for delivery"

    def received(self) -> list[str]:
        with self.lock:
            return list(self.message_ids)


# -- the whole deployment ---------------------------------------------------------------


@dataclass
class Deployment:
    """The run's processes and files under `root`; `start()` brings them up, `close()` down."""

    root: Path
    workers: int
    apis: int
    policy: dict[str, Any]
    keys: KeyRing = field(default_factory=lambda: KeyRing((new_key("endurance"),)))
    relay: Relay = field(default_factory=Relay)
    postgres: Postgres | None = None
    dev: DevServer | None = None
    worker_services: list[Named] = field(default_factory=list)
    api_services: list[Named] = field(default_factory=list)
    api_urls: list[str] = field(default_factory=list)
    admin_token: str = ""
    _controller: Controller | None = None

    def env(self) -> dict[str, str]:
        """Production mode, as the deployments set it (deploy/compose/onboarding.env.example)."""
        assert self.postgres is not None and self.dev is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
        env.update(
            ONBOARDING_MODE="production",
            ONBOARDING_HOME=str(self.root / "home"),
            ONBOARDING_DATABASE_URL=self.postgres.url,
            ONBOARDING_TEMPORAL_ADDRESS=self.dev.options.address,
            ONBOARDING_TEMPORAL_ALLOW_PLAINTEXT="true",
            ONBOARDING_ENCRYPTION_KEYS=self.keys.serialize(),
            ONBOARDING_POLICY_FILE=str(self.root / "policy.json"),
            ONBOARDING_SMTP_HOST="127.0.0.1",
            ONBOARDING_SMTP_PORT=str(self.relay.port),
            ONBOARDING_SMTP_SECURITY="none",
            ONBOARDING_SMTP_SENDER=SENDER,
            ONBOARDING_SMTP_TIMEOUT_SECONDS="10",
            ONBOARDING_PUBLIC_URL="https://onboarding.endurance.example.no",
            PYTHONUNBUFFERED="1",
        )
        return env

    async def start(self) -> None:
        import json

        (self.root / "home").mkdir(parents=True)
        (self.root / "policy.json").write_text(json.dumps(self.policy))
        self._controller = Controller(
            self.relay, hostname="127.0.0.1", port=free_port(), ready_timeout=10
        )
        self._controller.start()
        self.relay.port = self._controller.port
        self.postgres = Postgres(self.root / "postgres", free_port())
        self.postgres.init()
        self.postgres.start()
        self.dev = DevServer(
            DevServerOptions(
                binary=temporal_binary(),
                db_file=self.root / "temporal.db",
                log_file=self.root / "temporal.log",
                port=free_port(),
                ui_port=free_port(),
            )
        )
        await self.start_dev_server()
        self._command("db", "upgrade")
        self.admin_token = self._command("db", "admin-token", "--name", "endurance").split()[-1]
        for i in range(self.workers):
            worker = Named(self.env(), self.root / f"worker-{i + 1}.log", name=f"worker-{i + 1}")
            self.worker_services.append(worker)
            await worker.restart()
        for i in range(self.apis):
            port = free_port()
            api = Named(
                self.env(),
                self.root / f"api-{i + 1}.log",
                args=("api", "--host", "127.0.0.1", "--port", str(port)),
                ready_text="API on http://",
                name=f"api-{i + 1}",
            )
            self.api_services.append(api)
            self.api_urls.append(f"http://127.0.0.1:{port}")
            await api.restart()

    async def start_dev_server(self) -> Client:
        assert self.dev is not None
        self.dev.start()
        return await self.dev.wait_ready(timeout=START_TIMEOUT, codec=EncryptionCodec(self.keys))

    def kill_dev_server(self, how: signal.Signals) -> None:
        assert self.dev is not None and self.dev.process is not None
        self.dev.process.send_signal(how)
        try:
            self.dev.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.dev.process.kill()
            self.dev.process.wait(timeout=STOP_TIMEOUT)

    def _command(self, *args: str) -> str:
        """`python -m onboarding <args>` to its end; its output (raises if it failed)."""
        done = subprocess.run(
            [sys.executable, "-m", "onboarding", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"onboarding {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def reconcile(self, *extra: str) -> str:
        """`onboarding reconcile --json` against the first API, as an operator runs it.

        Its JSON report (stdout); the whole output is kept in the run's files.
        """
        env = {**self.env(), "ONBOARDING_URL": self.api_urls[0]}
        env["ONBOARDING_TOKEN"] = self.admin_token
        done = subprocess.run(
            [sys.executable, "-m", "onboarding", "reconcile", "--json", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        name = "reconcile" + "".join(extra).replace("--", "-")
        output = f"exit {done.returncode}\n{done.stdout}{done.stderr}"
        (self.root / f"{name}.out").write_text(output)
        return done.stdout

    def close(self) -> None:
        for service in [*self.api_services, *self.worker_services]:
            with contextlib.suppress(Exception):
                service.stop()
        if self.dev is not None:
            with contextlib.suppress(Exception):
                self.dev.stop(timeout=STOP_TIMEOUT)
        if self.postgres is not None:
            self.postgres.stop()
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()


def remove(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
