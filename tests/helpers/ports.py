"""Free TCP ports for the servers the tests start, out of the way of outgoing connections.

A port the kernel hands out for `bind(0)` comes from the ephemeral range, the
same range it draws from for every outgoing connection: between choosing it and
the server binding it, any client connection of the busy suite (or of a second
run beside it) may take it, and the dev server then dies with "address already
in use". Ports below that range are never given to outgoing connections, so a
port chosen there at random and found free stays free unless another test picks
the very same one.
"""

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20_000
_CHOOSER = random.SystemRandom()


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
