"""The floor: the least a transition can cost on the same server.

A bare workflow whose update runs one activity that does nothing and returns:
one update round trip plus one activity, which every transition needs too
(the projection). Measured beside the engine in the same run, on the same dev
server, in the same process, so the ratio says what the engine adds; with
`--processes` the floor's worker runs in a process of its own (`python -m
bench.floor ADDRESS QUEUE HOME`), as the engine's does then.
"""

import asyncio
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


class FloorStep(BaseModel):
    """The update's input."""

    n: int


class FloorDone(BaseModel):
    """The update's result."""

    n: int


@activity.defn(name="floor_noop")
def floor_noop(step: FloorStep) -> FloorDone:
    """Nothing: the cost of scheduling, running and completing an activity."""
    return FloorDone(n=step.n)


@workflow.defn(name="FloorWorkflow")
class FloorWorkflow:
    """Waits for updates until told to stop."""

    def __init__(self) -> None:
        self._done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._done)

    @workflow.update
    async def step(self, step: FloorStep) -> FloorDone:
        return await workflow.execute_activity(
            floor_noop, step, start_to_close_timeout=timedelta(seconds=30)
        )

    @workflow.signal
    def stop(self) -> None:
        self._done = True


def floor_worker(client: Client, task_queue: str, *, max_cached_workflows: int = 10_000) -> Worker:
    """A worker of FloorWorkflow and its no-op activity on `task_queue`."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[FloorWorkflow],
        activities=[floor_noop],
        activity_executor=ThreadPoolExecutor(max_workers=8),
        max_concurrent_activities=8,
        max_cached_workflows=max_cached_workflows,
    )


async def serve(address: str, task_queue: str, home: Path) -> None:
    """Run a floor worker on `task_queue` until SIGTERM, sealing payloads with `home`'s keys."""
    from onboarding.gateway.client import connect
    from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
    from onboarding.settings import Settings

    codec = EncryptionCodec(configured_key_ring(Settings(home=home)))
    client = await connect(address, "default", codec=codec)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with floor_worker(client, task_queue):
        print("Floor worker polling", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
