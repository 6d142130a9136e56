"""A region's whole life: every municipality from prospective to live, with reminders.

On the dev server, in real time. The policy is compressed through the policy
itself, never a code path of its own: calendar `every_day` and a `send_time`
a little after the start, and each municipality's exercise_option deadline on
that day, so escalation-1 falls due for all of them during the run (and the
reminders 60, 30 and 7 days before are passed over as past). Then the rest of
the road: exercise, start preparation, sign the service agreement, and go
live through production waves of WAVE_SIZE members (each member's checklist
and approve_go_live, then the wave's approve decision).

`api_writes` counts every POST and PUT the drive sent (transitions, deadlines,
wave creation and membership, checklist items, decisions), each at least one
workflow update: `writes_per_second` is the figure to set against the floor's
updates per second. The floor drives as many FloorWorkflows through as many
updates at the same concurrency.
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from bench.drive import gather_limited, go_live, move, set_deadline
from bench.floor import FloorStep, FloorWorkflow
from bench.rig import Bench, dev_bench, registered, synthetic
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.gateway import parties as gateway
from onboarding.store.tables.notifications import NotificationRow

OSLO = ZoneInfo("Europe/Oslo")
TRANSITIONS_EACH = 6  # sign, exercise, start_preparation, sign_service, approve, go_live
# Municipalities per production wave: the region's real waves took 1 to 10.
WAVE_SIZE = 10


@dataclass
class RegionRow:
    server: str
    municipalities: int
    concurrency: int
    transitions: int
    wall_seconds: float
    transitions_per_second: float
    api_writes: int
    writes_per_second: float
    reminders_written: int
    floor_updates_per_second: float | None
    note: str = ""


def outbox_count(bench: Bench) -> int:
    with Session(bench.engine) as session:
        return int(session.exec(select(func.count()).select_from(NotificationRow)).one())


async def run_region(
    size: int,
    concurrency: int,
    lead: float | None = None,
    *,
    processes: bool = False,
    cache: int | None = None,
) -> RegionRow:
    """`size` municipalities prospective -> live on a fresh dev server.

    `cache`: the worker's sticky cache (default: every municipality, at least
    1,000, so nothing is replayed; the deployed default is 1,000).
    """
    # Time to load and sign everyone before escalation-1 falls due; measured below.
    lead = lead if lead is not None else 30 + size * 0.25
    instant = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    local = instant.astimezone(OSLO)
    policy = ReminderPolicy(calendar="every_day", send_time=local.time())
    cache = cache or max(1_000, size)
    async with dev_bench(policy=policy, max_cached_workflows=cache, processes=processes) as bench:
        municipalities = synthetic(size)
        numbers = [m.number for m in municipalities]
        began = time.perf_counter()
        writes_before = bench.writes
        await gateway.load_region(
            bench.client,
            municipalities,
            task_queue=bench.task_queue,
            policy=policy,
            concurrency=concurrency,
        )
        while registered(bench.engine) < size:
            await asyncio.sleep(0.2)

        async def signed(number: str) -> None:
            await move(bench, number, Trigger.SIGN_COLLABORATION, keyed=True)
            await set_deadline(bench, number, Trigger.EXERCISE_OPTION, local.date())

        await gather_limited([lambda n=n: signed(n) for n in numbers], concurrency)  # type: ignore[misc]
        first_half = time.perf_counter() - began
        writes = bench.writes - writes_before
        note = ""
        if datetime.now(UTC) >= instant:
            note = "escalation-1 was past before all were signed: raise the lead"
        # Wait for escalation-1 (two no_recipient rows each): not counted as work.
        deadline = time.monotonic() + max(0.0, (instant - datetime.now(UTC)).total_seconds())
        deadline += 60 + size * 0.05
        while outbox_count(bench) < 2 * size and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        reminders = outbox_count(bench)

        async def road(number: str) -> None:
            await move(bench, number, Trigger.EXERCISE_OPTION, keyed=True)
            await move(bench, number, Trigger.START_PREPARATION, keyed=True)
            await move(bench, number, Trigger.SIGN_SERVICE_AGREEMENT, keyed=True)

        async def wave(index: int, members: list[str]) -> None:
            await asyncio.gather(*(road(number) for number in members))
            await go_live(bench, f"bench-{index:04d}", members)

        waves = [numbers[i : i + WAVE_SIZE] for i in range(0, size, WAVE_SIZE)]
        # About `concurrency` requests in flight: each wave moves its members side by side.
        at_once = max(1, concurrency // WAVE_SIZE)
        began = time.perf_counter()
        writes_before = bench.writes
        await gather_limited(
            [lambda i=i, m=m: wave(i, m) for i, m in enumerate(waves)],  # type: ignore[misc]
            at_once,
        )
        writes += bench.writes - writes_before
        wall = first_half + time.perf_counter() - began
        live = registered(bench.engine, Stage.LIVE)
        floor_rate = await _floor(bench, size, concurrency)
        if bench.repeats:
            note = "; ".join(filter(None, [note, bench.repeats_note()]))
    transitions = size * TRANSITIONS_EACH
    return RegionRow(
        server="dev server",
        municipalities=live,
        concurrency=concurrency,
        transitions=transitions,
        wall_seconds=wall,
        transitions_per_second=transitions / wall,
        api_writes=writes,
        writes_per_second=writes / wall,
        reminders_written=reminders,
        floor_updates_per_second=floor_rate,
        note=note,
    )


async def _floor(bench: Bench, size: int, concurrency: int) -> float:
    """Updates per second of `size` floor workflows, TRANSITIONS_EACH updates each."""

    async def life(index: int) -> None:
        handle = await bench.client.start_workflow(
            FloorWorkflow.run, id=f"floor-life-{index}", task_queue=bench.floor_queue
        )
        for n in range(TRANSITIONS_EACH):
            await handle.execute_update(FloorWorkflow.step, FloorStep(n=n))
        await handle.signal(FloorWorkflow.stop)

    began = time.perf_counter()
    await gather_limited([lambda i=i: life(i) for i in range(size)], concurrency)  # type: ignore[misc]
    return size * TRANSITIONS_EACH / (time.perf_counter() - began)
