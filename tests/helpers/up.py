"""`onboarding up` as a process of its own (`Up`), and one with a token for every role.

Used by the end-to-end tests in tests/e2e/: each run gets a fresh data dir and
free ports, and leaves no process behind.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from onboarding.store.tokens import Role
from tests.helpers.ports import free_port

START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (our unique data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


class Up:
    """One `onboarding up` process on a data dir and fixed ports."""

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.extra = extra
        self.env = env or {}  # ONBOARDING_ settings of this instance (ours are dropped)
        self.api_port = free_port()
        self.temporal_port = free_port()
        self.ui_port = free_port()
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.temporal_address = f"127.0.0.1:{self.temporal_port}"
        self.process: subprocess.Popen[str] | None = None
        self.runs = 0

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"up-{self.runs}.log"

    def start(self) -> None:
        self.runs += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
        env.update(self.env)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "onboarding",
                    "up",
                    "--data-dir",
                    str(self.data_dir),
                    "--port",
                    str(self.api_port),
                    "--temporal-port",
                    str(self.temporal_port),
                    "--ui-port",
                    str(self.ui_port),
                    *self.extra,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_healthy(self) -> None:
        """Until /api/health says ok; fail with the output if `up` dies or takes too long."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"up exited with {self.process.returncode}:\n{self.output()}")
            try:
                answer = httpx.get(f"{self.url}/api/health", timeout=2)
                if answer.status_code == 200 and answer.json()["status"] == "ok":
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"up was not healthy within {START_TIMEOUT} s:\n{self.output()}")

    def wait_announced(self, timeout: float = START_TIMEOUT) -> None:
        """Until `up` has printed its banner: the API answers a moment before it does."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while "Press Ctrl-C to stop." not in self.output():
            if self.process.poll() is not None:
                pytest.fail(f"up exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"up printed no banner within {timeout} s:\n{self.output()}")
            time.sleep(0.2)

    def terminate(self) -> int:
        """SIGTERM, as a service manager would send it; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def kill_leftovers(self) -> None:
        """Cleanup after a failure: our `up` and anything started on our data dir."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in processes_mentioning(str(self.data_dir)):
            os.kill(pid, signal.SIGKILL)


# The database settles when two reads SETTLE_QUIET apart agree (polled every
# SETTLE_POLL); still changing after SETTLE_DEADLINE fails the test.
SETTLE_POLL = 0.03
SETTLE_QUIET = 0.1
SETTLE_DEADLINE = 5.0


# The municipality whose token is "in scope"; the other municipality token's scope
# is a municipality no test request names.
IN_SCOPE = "5001"
OUT_OF_SCOPE = "5006"


@dataclass
class Served:
    url: str
    tokens: dict[Role, str]  # the municipality role's is scoped to IN_SCOPE
    database: Path
    out_of_scope: str  # a municipality token scoped to OUT_OF_SCOPE only
    # The last request was an accepted write: workflows may still be writing.
    unsettled: bool = False

    def audit_count(self) -> int:
        return self.table_counts()["audit_event"]

    def table_counts(self) -> dict[str, int]:
        """Every table's row count, read in one statement (one snapshot)."""
        uri = f"file:{self.database}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            names = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master"
                    " WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                )
            ]
            quoted = ['"' + name.replace('"', '""') + '"' for name in names]
            counts = " UNION ALL ".join(f"SELECT ?, count(*) FROM {table}" for table in quoted)
            return dict(connection.execute(counts, names).fetchall())

    def settled_counts(self) -> dict[str, int]:
        """The counts, once an accepted request's late writes (workflows) are done."""
        counts = self.table_counts()
        if not self.unsettled:
            return counts
        start = quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < SETTLE_QUIET:
            if time.monotonic() - start > SETTLE_DEADLINE:
                pytest.fail(
                    f"the database still changes {SETTLE_DEADLINE:.0f} s after an accepted "
                    f"request: {changes(counts, self.table_counts())}"
                )
            time.sleep(SETTLE_POLL)
            now = self.table_counts()
            if now != counts:
                counts, quiet_since = now, time.monotonic()
        self.unsettled = False
        return counts


def changes(before: dict[str, int], after: dict[str, int]) -> str:
    """The tables whose counts differ, as `name: before -> after`."""
    names = sorted(before.keys() | after.keys())
    changed = [n for n in names if before.get(n) != after.get(n)]
    return ", ".join(f"{n}: {before.get(n)} -> {after.get(n)}" for n in changed) or "none"


@contextmanager
def up_with_tokens(data_dir: Path, who: str) -> Iterator[Served]:
    """A real `onboarding up` in `data_dir`, with a token for every role.

    Two municipality tokens: one scoped to IN_SCOPE, one to OUT_OF_SCOPE.
    """
    up = Up(data_dir)
    up.start()
    try:
        up.wait_healthy()
        admin = (up.data_dir / "admin.token").read_text().strip()

        def token(name: str, **body: Any) -> str:
            answer = httpx.post(
                f"{up.url}/api/users",
                json={"name": f"{who} {name}", **body},
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert answer.status_code == 201, answer.text
            return str(answer.json()["token"])

        tokens = {Role.ADMIN: admin}
        for role in (Role.VIEWER, Role.COORDINATOR):
            tokens[role] = token(role.value, role=role.value)
        municipality = Role.MUNICIPALITY.value
        tokens[Role.MUNICIPALITY] = token(IN_SCOPE, role=municipality, scope=[IN_SCOPE])
        elsewhere = token(OUT_OF_SCOPE, role=municipality, scope=[OUT_OF_SCOPE])
        yield Served(up.url, tokens, up.data_dir / "onboarding.db", elsewhere)
    finally:
        up.kill_leftovers()
