"""`python -m onboarding <service>` as a child process, and free ports: for the tests and the tools.

Shared by the end-to-end tests (tests/helpers/devserver.py, tests/helpers/ports.py)
and the endurance run (tools/endurance/), which must not import the tests.

Free ports: a port the kernel hands out for `bind(0)` comes from the
ephemeral range, the same range it draws from for every outgoing connection:
between choosing it and the server binding it, any client connection of a
busy machine may take it, and the server then dies with "address already in
use". Ports below that range are never given to outgoing connections, so a
port chosen there at random and found free stays free unless another process
picks the very same one.
"""

import ctypes
import random
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT = 20.0

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20_000
_CHOOSER = random.SystemRandom()

# Loaded here, not in the forked child: dlopen there could hang on a lock that
# another thread of the parent (the SDK's runtime) held at the fork.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _ephemeral_start() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port() -> int:
    """A localhost TCP port below the ephemeral range that nothing listens on right now."""
    top = max(_ephemeral_start(), _LOWEST + 1_000)
    for _ in range(200):
        port = _CHOOSER.randrange(_LOWEST, top)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {_LOWEST} and {top}")


def die_with_parent() -> None:
    """In the child before exec: a parent killed outright must not leave the child behind."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Service:
    """`python -m onboarding <args>` (a worker by default), its output appended to a log file."""

    env: dict[str, str]
    log_file: Path
    process: "subprocess.Popen[bytes] | None" = None
    args: tuple[str, ...] = ("worker",)
    ready_text: str = "Worker polling task queue"
    # Where this start's output begins in the log file.
    offset: int = 0

    def start(self) -> None:
        self.offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "onboarding", *self.args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                preexec_fn=die_with_parent,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        """What the latest start has written so far."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(self.offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def ready(self) -> bool:
        """The latest start has said it is ready (polls, serves)."""
        return self.ready_text in self.output()

    def kill(self) -> None:
        """SIGKILL: no clean stop, nothing flushed, as when a machine dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM (a clean stop), then SIGKILL if it will not go."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
