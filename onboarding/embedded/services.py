"""The API server, run as a task of this process's event loop.

An async context manager that yields its task (so the caller can notice it
ending on its own) and stops it cleanly on exit, finishing the requests in
flight. The worker's counterpart is onboarding/embedded/worker.py's
running_worker, apart so a worker process never imports the web stack.
"""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

from onboarding.embedded.errors import ServiceFailed

API_SHUTDOWN_TIMEOUT = 10.0


class ApiServer(uvicorn.Server):
    """uvicorn, minus its signal handling: ShutdownSignals owns the signals.

    uvicorn would re-raise a captured SIGTERM after its shutdown, killing the
    process before the worker and the dev server are stopped.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(server: ApiServer, sock: socket.socket | None) -> None:
    try:
        await server.serve(sockets=[sock] if sock is not None else None)
    except SystemExit as exit:
        # uvicorn exits the process when startup fails (port taken, lifespan error).
        raise ServiceFailed(
            f"the API could not start (exit code {exit.code}); see the messages above"
        ) from None


@contextlib.asynccontextmanager
async def running_api(
    app: FastAPI, *, host: str, port: int, sock: socket.socket | None = None
) -> AsyncIterator["asyncio.Task[None]"]:
    """Serve `app` on host:port (or on `sock`, already bound); yields once it is serving."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = ApiServer(config)
    task = asyncio.create_task(_serve(server, sock), name="api")
    try:
        while not server.started:
            if task.done():
                task.result()  # raises why it ended
                raise ServiceFailed("the API stopped during startup")
            await asyncio.sleep(0.05)
        yield task
    finally:
        server.should_exit = True
        _, pending = await asyncio.wait({task}, timeout=API_SHUTDOWN_TIMEOUT)
        if pending:
            # Requests still running after the grace period: stop waiting for them.
            server.force_exit = True
        await asyncio.gather(task, return_exceptions=True)
