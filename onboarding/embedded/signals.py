"""SIGINT and SIGTERM turned into a clean stop of the services of this process.

The first signal asks for a clean stop: long-running code waits on
`ShutdownSignals.stopped()` and startup steps run under `until()`, so Ctrl-C
during startup still unwinds through every cleanup. A second signal cancels the
main task, for when a clean stop hangs; cleanups in `finally` still run.
"""

import asyncio
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from onboarding.embedded.errors import EmbeddedError, ServiceFailed

T = TypeVar("T")

HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopRequested(Exception):
    """A signal asked the process to stop (a clean exit, not a failure)."""


class ShutdownSignals:
    """Signal handlers on the running loop; use `installed()` as a context manager."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self._main = asyncio.current_task()

    @contextmanager
    def installed(self) -> Iterator["ShutdownSignals"]:
        """Route SIGINT and SIGTERM here while the block runs."""
        loop = asyncio.get_running_loop()
        for sig in HANDLED:
            loop.add_signal_handler(sig, self._handle)
        try:
            yield self
        finally:
            for sig in HANDLED:
                loop.remove_signal_handler(sig)

    def _handle(self) -> None:
        if self.requested.is_set():
            if self._main is not None:
                self._main.cancel()
            return
        self.requested.set()

    async def until(
        self, step: Awaitable[T], services: Mapping[str, "asyncio.Task[None]"] | None = None
    ) -> T:
        """Await `step` unless a stop is requested first (then raise StopRequested).

        `services` are what the step needs (the worker, the dev server): one that
        ends first ends the step with why it ended, rather than leaving the step
        to wait for its own time-outs.
        """
        watched = dict(services or {})
        task = asyncio.ensure_future(step)
        stop = asyncio.ensure_future(self.requested.wait())
        try:
            await asyncio.wait({task, stop, *watched.values()}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                return task.result()
            if not self.requested.is_set():
                self._raise_why_one_ended(watched)
            raise StopRequested()
        finally:
            stop.cancel()
            if not task.done():
                task.cancel()
                # Let the step run its own cleanups before the caller runs theirs.
                await asyncio.gather(task, return_exceptions=True)

    async def stopped(self, services: Mapping[str, "asyncio.Task[None]"]) -> None:
        """Wait for a stop request; if a service ends first, raise why it ended."""
        stop = asyncio.ensure_future(self.requested.wait())
        try:
            await asyncio.wait({stop, *services.values()}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not self.requested.is_set():
            self._raise_why_one_ended(services)

    @staticmethod
    def _raise_why_one_ended(services: Mapping[str, "asyncio.Task[None]"]) -> None:
        for name, task in services.items():
            if task.done():
                error = task.exception() if not task.cancelled() else None
                if isinstance(error, EmbeddedError):
                    raise error
                raise ServiceFailed(
                    f"the {name} stopped unexpectedly: {error or 'no reason given'}"
                )


def run_until_stopped(main: Callable[[ShutdownSignals], Coroutine[Any, Any, None]]) -> None:
    """Run `main` in a new event loop with the signals installed; a signal is a clean exit.

    Raises EmbeddedError if a second signal cut the clean stop short.
    """

    async def runner() -> None:
        signals = ShutdownSignals()
        with signals.installed():
            try:
                await main(signals)
            except StopRequested:
                pass

    try:
        asyncio.run(runner())
    except asyncio.CancelledError:
        raise EmbeddedError("stopped by a second signal before the clean stop finished") from None
