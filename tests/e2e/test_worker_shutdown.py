"""SIGTERM drains a worker: the activity it is running finishes and is reported, then it exits.

A real dev server and a real `onboarding worker` process. The test holds the
SQLite read model's write lock, so the worker's record_transition activity
blocks inside its INSERT; then it sends SIGTERM. The worker must stay up
while the activity runs, complete it once the lock is released (one audit
row, the activity completed in the history, not timed out) and exit 0. With
no worker left, nothing else could have completed it. A new worker then
finishes the update.
"""

import asyncio
import signal
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import WorkflowHandle

from onboarding.domain.municipality import Municipality
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway.parties import start_party, transition
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow
from tests.helpers import command
from tests.helpers.devserver import Rig

pytestmark = pytest.mark.devserver

GRACE_SECONDS = 20


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with Rig.running(tmp_path) as instance:
        yield instance


async def _until(predicate_coro, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate_coro():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def _activity_running(handle: WorkflowHandle[object, object]) -> bool:
    """record_transition has started (and blocks on the lock).

    By its name: on a busy machine the registration's activity can still be
    pending when its row is already written, and SIGTERM then would drain that
    one instead (a run on two processes did so and found no audit row).
    """
    description = await handle.describe()
    return any(
        pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        and pending.activity_type.name == "record_transition"
        for pending in description.raw_description.pending_activities
    )


async def test_sigterm_lets_the_running_activity_finish_before_the_worker_exits(rig: Rig) -> None:
    assert rig.client is not None
    worker = await rig.start_worker(
        {"ONBOARDING_WORKER_GRACEFUL_SHUTDOWN_SECONDS": str(GRACE_SECONDS)}
    )
    municipality = Municipality(
        number="7001", name="Drenering", county="Trøndelag", health_trust="St. Olavs hospital"
    )
    handle = await start_party(rig.client, municipality, task_queue=rig.task_queue)

    async def registered() -> bool:
        # The row alone is not enough: the registration's activity writes the
        # row, then the run in a second transaction. Taking the lock between
        # the two (a run beside a second CI did) stalled the registration
        # behind it, and record_transition never started. So: row written
        # and no activity of the workflow pending.
        with Session(rig.engine) as session:
            if session.get(MunicipalityRow, "7001") is None:
                return False
        description = await handle.describe()
        return not description.raw_description.pending_activities

    await _until(registered, "the municipality to be registered", 120.0)

    database = rig.database_url.removeprefix("sqlite:///")
    lock = sqlite3.connect(database, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the worker's write now waits (busy timeout 30 s)
    update = asyncio.create_task(
        transition(rig.client, "7001", command(Trigger.SIGN_COLLABORATION, key="drain-1"))
    )
    try:
        # Beside a second CI run on two cores, 30 s was not always enough.
        await _until(lambda: _activity_running(handle), "record_transition to start", 120.0)
        assert worker.process is not None
        worker.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(2.0)
        assert worker.alive(), "the worker exited with its activity still running"
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    exit_code = await asyncio.to_thread(worker.process.wait, GRACE_SECONDS + 10)
    assert exit_code == 0, worker.output()
    assert "Worker stopped." in worker.output()

    with Session(rig.engine) as session:
        written = session.exec(
            select(func.count()).where(AuditEventRow.municipality_number == "7001")
        ).one()
    assert written == 1
    history = [event.event_type async for event in handle.fetch_history_events()]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED in history
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT not in history
    assert not update.done(), "nobody polls: the update waits for the next worker"

    await rig.start_worker()
    view = await asyncio.wait_for(update, 60)
    assert view.stage.value == "collaboration_signed"
    with Session(rig.engine) as session:
        assert (
            session.exec(
                select(func.count()).where(AuditEventRow.municipality_number == "7001")
            ).one()
            == 1
        )
