"""The floor: the least a transition can cost on the same server.

A bare workflow whose update runs one activity that does nothing and returns:
one update round trip plus one activity, which every transition needs too
(the projection). Measured beside the engine in the same run, on the same dev
server, in the same process, so the ratio says what the engine adds; with
`--processes` the floor's worker runs in a process of its own (`python -m
bench.floor ADDRESS QUEUE HOME`), as the engine's does then.

Over HTTP (`--http-port PORT`, the bearer token in BENCH_FLOOR_TOKEN) that
process also serves the update as one thin endpoint, `POST
/floor/{workflow_id}/steps`, on the uvicorn set-up of the project's own API:
the floor of a transition as a user meets it (bench/up_http.py).
"""

import argparse
import asyncio
import contextlib
import hmac
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

if TYPE_CHECKING:
    from fastapi import FastAPI


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


def floor_app(client: Client, token: str) -> "FastAPI":
    """One endpoint: the bearer token checked, then one update of a FloorWorkflow."""
    # Imported here, as serve's imports are: the workflow sandbox re-imports this
    # module for FloorWorkflow and refuses what FastAPI brings with it.
    from fastapi import FastAPI, Header, HTTPException

    app = FastAPI(openapi_url=None)
    expected = f"Bearer {token}"

    @app.post("/floor/{workflow_id}/steps")
    async def step(
        workflow_id: str, body: FloorStep, authorization: Annotated[str, Header()] = ""
    ) -> FloorDone:
        if not hmac.compare_digest(authorization, expected):
            raise HTTPException(401)
        handle = client.get_workflow_handle(workflow_id)
        return await handle.execute_update(FloorWorkflow.step, body)

    return app


async def serve(address: str, task_queue: str, home: Path, http_port: int | None = None) -> None:
    """Run a floor worker on `task_queue` until SIGTERM, sealing payloads with `home`'s keys.

    `http_port`: and serve floor_app on 127.0.0.1 there, with BENCH_FLOOR_TOKEN.
    """
    from onboarding.embedded.services import running_api
    from onboarding.gateway.client import connect
    from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
    from onboarding.settings import Settings

    codec = EncryptionCodec(configured_key_ring(Settings(home=home)))
    client = await connect(address, "default", codec=codec)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with floor_worker(client, task_queue), contextlib.AsyncExitStack() as stack:
        if http_port is not None:
            app = floor_app(client, os.environ["BENCH_FLOOR_TOKEN"])
            await stack.enter_async_context(running_api(app, host="127.0.0.1", port=http_port))
        print("Floor worker polling", flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("address", help="the Temporal server, host:port")
    parser.add_argument("task_queue")
    parser.add_argument("home", type=Path, help="the data dir whose payload keys to use")
    parser.add_argument("--http-port", type=int, help="serve the update over HTTP here")
    args = parser.parse_args()
    asyncio.run(serve(args.address, args.task_queue, args.home, args.http_port))
