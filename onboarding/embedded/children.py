"""What every child process of `onboarding up` shares: it dies with `up`.

A clean stop terminates each child itself; this covers SIGKILL and crashes of
`up`, which would otherwise leave orphans holding ports, the data dir's
databases, or a worker polling a dev server that is gone.
"""

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In the child before exec: SIGTERM when `parent` dies (Linux's parent-death signal)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def dies_with_this_process() -> Callable[[], None] | None:
    """A `preexec_fn` for subprocess.Popen that ties the child's life to ours (Linux only)."""
    if sys.platform != "linux":
        return None
    parent = os.getpid()
    return lambda: _die_with_parent(parent)


def how_it_ended(code: int) -> str:
    """A child's exit status in words, for the one line the user reads."""
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"
