"""Checking and holding the TCP ports `onboarding up` serves on."""

import socket

from onboarding.embedded.errors import PortInUse


def reserve_port(host: str, port: int, *, what: str, option: str) -> socket.socket:
    """Bind `port` now and return the socket; PortInUse, naming the option to change, if taken.

    Holding the API's socket from the start also keeps the dev server, which
    picks random free ports for its HTTP API and metrics, from taking it.
    """
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY on the connections a
    # server accepts only where the socket says it is TCP, and without it Nagle's
    # algorithm held every answer on a kept-alive connection for the client's
    # delayed ACK (40 ms per request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # Ignore TIME_WAIT leftovers of our own previous run; a live listener still fails.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise PortInUse(
            f"port {port} ({what}) on {host} is already in use; "
            f"stop what uses it or choose another with {option}"
        ) from None
    return sock


def ensure_port_free(host: str, port: int, *, what: str, option: str) -> None:
    """Raise PortInUse if `port` is taken (for ports another process will bind)."""
    reserve_port(host, port, what=what, option=option).close()
