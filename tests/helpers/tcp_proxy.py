"""A TCP proxy a test can cut and restore: the database unavailable without stopping it.

The machine's PostgreSQL is shared, so the fault tests never stop it: the
worker reaches it through this proxy instead, and `cut()` makes it look down
(every open connection dropped, new ones refused), `restore()` brings it back
on the same port.
"""

import asyncio
import contextlib

from tests.helpers.devserver import free_port

CHUNK = 65_536


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` while it is up."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self.accepted = 0

    async def start(self) -> None:
        """Listen (again) on the proxy's port."""
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def cut(self) -> None:
        """Refuse new connections and drop every open one, as a database that went away."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._connections):
            writer.transport.abort()
        self._connections.clear()
        await asyncio.sleep(0)

    async def restore(self) -> None:
        """Accept connections again."""
        await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self.accepted += 1
        self._connections.update((client_w, upstream_w))
        try:
            await asyncio.gather(_pipe(client_r, upstream_w), _pipe(upstream_r, client_w))
        finally:
            for writer in (client_w, upstream_w):
                self._connections.discard(writer)
                writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
