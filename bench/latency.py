"""Transition latency, API call to committed read model, against the floor.

Each lane is one municipality at option_exercised doing pause, resume, pause,
... through the API; the floor's lane is one FloorWorkflow taking updates.
`concurrency` lanes run at once.
"""

import asyncio
import functools
import math
import time
from dataclasses import dataclass

from bench.drive import alternate, gather_limited, move, pooled, summary
from bench.floor import FloorStep, FloorWorkflow
from bench.rig import Bench, dev_bench, registered, synthetic
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway import parties as gateway


@dataclass
class LatencyRow:
    concurrency: int
    samples: int
    engine_p50: float
    engine_p99: float
    floor_p50: float
    floor_p99: float
    engine_rate: float
    floor_rate: float


async def run_latency(
    concurrencies: list[int], samples: int, *, processes: bool = False, rounds: int = 4
) -> list[LatencyRow]:
    """Latency at each concurrency, with about `samples` transitions per level.

    `processes`: the workers in processes of their own (see bench/rig.py).
    Each level runs in `rounds` alternating blocks, engine then floor, then
    floor then engine, ... (bench.drive.alternate).
    """
    lanes = max(concurrencies)
    async with dev_bench(processes=processes) as bench:
        numbers = await _prepare(bench, lanes)
        floors = [
            await bench.client.start_workflow(
                FloorWorkflow.run, id=f"floor-{i}", task_queue=bench.floor_queue
            )
            for i in range(lanes)
        ]
        paused = dict.fromkeys(numbers, False)

        async def engine_lane(index: int, steps: int) -> list[float]:
            number = numbers[index]
            times = []
            for _ in range(steps):
                trigger = Trigger.RESUME if paused[number] else Trigger.PAUSE
                times.append(await move(bench, number, trigger))
                paused[number] = not paused[number]
            return times

        async def floor_lane(index: int, steps: int) -> list[float]:
            times = []
            for n in range(steps):
                began = time.perf_counter()
                await floors[index].execute_update(FloorWorkflow.step, FloorStep(n=n))
                times.append(time.perf_counter() - began)
            return times

        # Warm up both (caches, connections, the server's first tasks).
        await asyncio.gather(*(engine_lane(i, 2) for i in range(lanes)))
        await asyncio.gather(*(floor_lane(i, 2) for i in range(lanes)))
        rows = []
        for concurrency in concurrencies:
            steps = max(1, math.ceil(samples / concurrency / rounds))
            sides = {
                "engine": functools.partial(engine_lane, steps=steps),
                "floor": functools.partial(floor_lane, steps=steps),
            }
            blocks = await alternate(sides, lanes=concurrency, rounds=rounds)
            engine, floor = pooled(blocks, "engine"), pooled(blocks, "floor")
            e50, e99, _ = summary(engine.seconds)
            f50, f99, _ = summary(floor.seconds)
            rows.append(
                LatencyRow(
                    concurrency,
                    len(engine.seconds),
                    e50,
                    e99,
                    f50,
                    f99,
                    engine.rate,
                    floor.rate,
                )
            )
        for handle in floors:
            await handle.signal(FloorWorkflow.stop)
        return rows


async def _prepare(bench: Bench, lanes: int) -> list[str]:
    """`lanes` municipalities at option_exercised."""
    municipalities = synthetic(lanes)
    await gateway.load_region(
        bench.client, municipalities, task_queue=bench.task_queue, concurrency=50
    )
    numbers = [m.number for m in municipalities]
    while registered(bench.engine) < lanes:
        await asyncio.sleep(0.1)

    async def ready(number: str) -> None:
        await move(bench, number, Trigger.SIGN_COLLABORATION)
        await move(bench, number, Trigger.EXERCISE_OPTION)

    await gather_limited([lambda n=n: ready(n) for n in numbers], 50)  # type: ignore[misc]
    return numbers
