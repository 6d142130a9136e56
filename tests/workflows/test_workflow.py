"""The municipality workflow on the real time-skipping test server, with a real worker and SQL.

Workflows are started through the gateway (`onboarding.gateway.parties`), as the API
and seeding do, with made-up municipality numbers (see tests/helpers/__init__.py), and
terminated when the test ends.
"""

import asyncio
import time
from datetime import UTC, date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import RequestRejected, TransitionRefused, UnknownMunicipality
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import MunicipalityView, TransitionRecord
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.embedded.worker import WORKFLOWS
from onboarding.gateway import parties as gateway
from onboarding.store import queries
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from tests.helpers import MAIN_ROAD, V1, Harness, command, eventually
from workflows.municipality import MunicipalityWorkflow
from workflows.names import NUMBER_ATTRIBUTE, STAGE_ATTRIBUTE, party_workflow_id

S = Stage
T = Trigger
LONG_AGO = date(2015, 11, 2)  # the first collaboration agreements were signed in autumn 2015


async def oslo_today(env: WorkflowEnvironment) -> date:
    """Today in Oslo by the test server's clock (which time skipping may have moved)."""
    return oslo_date(await env.get_current_time())


def assert_read_model_matches(engine: Engine, view: MunicipalityView) -> list[TransitionRecord]:
    """The SQL row and audit log say what the workflow's query says; returns the log."""
    row = queries.get_municipality(engine, number=view.number)
    assert row is not None
    last_seq = view.last_transition.seq if view.last_transition else 0
    assert (row.stage, row.paused_from, row.last_seq) == (
        view.stage.value,
        view.paused_from.value if view.paused_from else None,
        last_seq,
    )
    log = queries.history(engine, number=view.number)
    assert [r.seq for r in log] == list(range(1, last_seq + 1)), "a transition is missing or twice"
    if view.last_transition is not None:
        assert log[-1] == view.last_transition
    for before, after in pairwise(log):
        assert after.from_stage == before.to_stage
        assert after.effective_on >= before.effective_on
    return log


def event_types(events: list[HistoryEvent]) -> list[int]:
    return [e.event_type for e in events]


def accepted_update_ids(events: list[HistoryEvent]) -> list[str]:
    return [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


# -- the main road -----------------------------------------------------------------


async def test_main_road_to_live(sql_harness: Harness) -> None:
    test, engine = sql_harness, sql_harness.engine
    async with test.worker():
        municipality, _ = await test.start()
        number = municipality.number
        start = await test.state(number)
        assert (start.stage, start.last_transition, start.allowed_triggers) == (
            S.PROSPECTIVE,
            None,
            [T.SIGN_COLLABORATION, T.WITHDRAW],
        )
        assert_read_model_matches(engine, start)
        returned = []
        for seq, (trigger, stage) in enumerate(MAIN_ROAD, 1):
            view = await test.move(
                number,
                trigger,
                effective_on=LONG_AGO + timedelta(days=100 * seq),
                comment=f"step {seq}",
            )
            assert view.stage is stage
            assert view.last_transition is not None
            assert (view.last_transition.seq, view.last_transition.trigger) == (seq, trigger)
            # The update returns only after the SQL write: no waiting here.
            assert_read_model_matches(engine, view)
            assert await test.state(number) == view
            returned.append(view.last_transition)
        final = await test.state(number)
        assert (final.stage, final.paused_from, final.allowed_triggers) == (S.LIVE, None, [])
        log = assert_read_model_matches(engine, final)
        assert log == returned
        assert [r.comment for r in log] == [f"step {i}" for i in range(1, 7)]
        assert {r.actor.name for r in log} == {"Kari Nordmann"}
        assert log[0].evidence == {"agreement_version": "2022", "document_ref": "ARK-2022/0042"}
        assert all(r.workflow_id == f"municipality-{number}" for r in log)
        report = queries.funnel(
            engine, as_of=LONG_AGO + timedelta(days=600), kind=PartyKind.MUNICIPALITY
        )
        assert report.stages["live"] == 1
        assert all(count == 1 for count in report.reached.values())
        with pytest.raises(TransitionRefused) as refused:
            await test.move(number, T.WITHDRAW)
        assert (refused.value.stage, refused.value.allowed_triggers) == ("live", [])
        assert len(queries.history(engine, number=number)) == 6


async def test_resume_returns_to_where_the_pause_began(harness: Harness) -> None:
    async with harness.worker():
        municipality, _ = await harness.start()
        number = municipality.number
        await harness.move(number, T.SIGN_COLLABORATION)
        await harness.move(number, T.EXERCISE_OPTION)
        for stage, onward in (
            (S.OPTION_EXERCISED, T.START_PREPARATION),
            (S.PREPARING, T.SIGN_SERVICE_AGREEMENT),
            (S.SERVICE_AGREEMENT_SIGNED, T.APPROVE_GO_LIVE),
        ):
            paused = await harness.move(number, T.PAUSE)
            assert (paused.stage, paused.paused_from) == (S.PAUSED, stage)
            assert paused.allowed_triggers == [T.RESUME, T.WITHDRAW]
            assert_read_model_matches(harness.engine, paused)
            resumed = await harness.move(number, T.RESUME)
            assert (resumed.stage, resumed.paused_from) == (stage, None)
            assert_read_model_matches(harness.engine, resumed)
            await harness.move(number, onward)
        assert (await harness.state(number)).stage is S.READY


async def test_decline_then_exercise_the_option_after_all(harness: Harness) -> None:
    async with harness.worker():
        municipality, _ = await harness.start()
        number = municipality.number
        await harness.move(number, T.SIGN_COLLABORATION)
        await harness.move(number, T.REQUIRE_RESIGNATURE)
        await harness.move(number, T.SIGN_COLLABORATION)
        declined = await harness.move(number, T.DECLINE)
        assert declined.allowed_triggers == [T.EXERCISE_OPTION, T.WITHDRAW]
        view = await harness.move(number, T.EXERCISE_OPTION)
        assert view.stage is S.OPTION_EXERCISED
        withdrawn = await harness.move(number, T.WITHDRAW)
        assert (withdrawn.stage, withdrawn.allowed_triggers) == (S.WITHDRAWN, [])
        assert [r.to_stage for r in assert_read_model_matches(harness.engine, withdrawn)] == [
            S.COLLABORATION_SIGNED,
            S.RESIGNATURE_REQUIRED,
            S.COLLABORATION_SIGNED,
            S.DECLINED,
            S.OPTION_EXERCISED,
            S.WITHDRAWN,
        ]


# -- effective dates -----------------------------------------------------------------


async def test_backdating_rules(harness: Harness, env: WorkflowEnvironment) -> None:
    async with harness.worker():
        municipality, _ = await harness.start()
        number = municipality.number
        today = await oslo_today(env)
        first = today - timedelta(days=400)
        view = await harness.move(number, T.SIGN_COLLABORATION, effective_on=first)
        assert view.last_transition is not None
        assert view.last_transition.effective_on == first

        with pytest.raises(RequestRejected) as before:
            await harness.move(number, T.EXERCISE_OPTION, effective_on=first - timedelta(days=1))
        assert before.value.field == "effective_on"
        assert str(first) in before.value.message
        assert "sign_collaboration" in before.value.message

        # The same day as the previous transition is fine.
        view = await harness.move(number, T.EXERCISE_OPTION, effective_on=first)
        assert view.last_transition is not None
        assert view.last_transition.effective_on == first

        tomorrow = await oslo_today(env) + timedelta(days=1)
        with pytest.raises(RequestRejected) as future:
            await harness.move(number, T.START_PREPARATION, effective_on=tomorrow)
        assert future.value.field == "effective_on"
        assert "future" in future.value.message

        # No date: today in Oslo, by the workflow's clock.
        before_move = await oslo_today(env)
        view = await harness.move(number, T.START_PREPARATION)
        after_move = await oslo_today(env)
        record = view.last_transition
        assert record is not None
        assert record.effective_on in {before_move, after_move}
        assert record.effective_on == oslo_date(record.recorded_at)

        with pytest.raises(RequestRejected) as before_default:
            await harness.move(
                number, T.SIGN_SERVICE_AGREEMENT, effective_on=record.effective_on - timedelta(1)
            )
        assert before_default.value.field == "effective_on"

        view = await harness.move(number, T.SIGN_SERVICE_AGREEMENT, effective_on=after_move)
        log = assert_read_model_matches(harness.engine, view)
        assert [r.effective_on for r in log] == [first, first, record.effective_on, after_move]
        assert [r.trigger for r in log] == [
            T.SIGN_COLLABORATION,
            T.EXERCISE_OPTION,
            T.START_PREPARATION,
            T.SIGN_SERVICE_AGREEMENT,
        ]


async def test_the_default_date_is_the_oslo_date_not_the_utc_one(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    """Late evening in UTC is already tomorrow in Oslo.

    This test moves the clock, so it gets a test server of its own.
    """
    now = await own_env.get_current_time()
    late = now.astimezone(UTC).replace(hour=23, minute=30, second=0, microsecond=0)
    if late <= now + timedelta(minutes=1):
        late += timedelta(days=1)
    await own_env.sleep(late - now)
    moved_to = await own_env.get_current_time()
    assert moved_to.astimezone(UTC).hour == 23
    utc_today = moved_to.astimezone(UTC).date()
    oslo_today_ = utc_today + timedelta(days=1)

    async with own_harness.worker():
        municipality, _ = await own_harness.start()
        view = await own_harness.move(municipality.number, T.SIGN_COLLABORATION)
        assert view.last_transition is not None
        assert view.last_transition.effective_on == oslo_today_
        # Tomorrow by UTC is today in Oslo, so it is not in the future.
        view = await own_harness.move(
            municipality.number, T.EXERCISE_OPTION, effective_on=oslo_today_
        )
        assert view.stage is S.OPTION_EXERCISED
        with pytest.raises(RequestRejected) as future:
            await own_harness.move(
                municipality.number,
                T.START_PREPARATION,
                effective_on=oslo_today_ + timedelta(days=1),
            )
        assert future.value.field == "effective_on"


# -- refused requests leave no trace -------------------------------------------------


async def test_a_rejected_request_writes_nothing(
    harness: Harness, env: WorkflowEnvironment
) -> None:
    async with harness.worker():
        municipality, handle = await harness.start()
        number = municipality.number
        signed = await harness.move(number, T.SIGN_COLLABORATION, key="sign-1")
        before = (await handle.fetch_history()).events
        accepted_before = accepted_update_ids(before)
        assert len(accepted_before) == 1

        # Wrong stage, straight to the workflow so the update id is ours.
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(
                MunicipalityWorkflow.transition, command(T.GO_LIVE), id="rejected-go-live"
            )
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == "invalid_transition"
        assert cause.non_retryable

        # The same, and a bad date, through the gateway.
        with pytest.raises(TransitionRefused) as refused:
            await harness.move(number, T.START_PREPARATION, key="too-early")
        assert refused.value.stage == "collaboration_signed"
        assert refused.value.allowed_triggers == [
            "require_resignature",
            "exercise_option",
            "decline",
            "withdraw",
        ]
        with pytest.raises(RequestRejected) as future:
            tomorrow = await oslo_today(env) + timedelta(days=1)
            await harness.move(number, T.EXERCISE_OPTION, effective_on=tomorrow, key="future")
        assert future.value.field == "effective_on"
        # Evidence the client did not check (model_copy skips validation): the
        # worker cannot even decode it.
        unchecked = command(T.EXERCISE_OPTION).model_copy(update={"evidence": {}})
        with pytest.raises(WorkflowUpdateFailedError) as undecodable:
            await handle.execute_update(
                MunicipalityWorkflow.transition, unchecked, id="rejected-evidence"
            )
        assert isinstance(undecodable.value.cause, ApplicationError)

        after = (await handle.fetch_history()).events
        assert accepted_update_ids(after) == accepted_before
        assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED not in event_types(after)
        activities = event_types(after).count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        assert activities == event_types(before).count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        assert await harness.state(number) == signed
        assert_read_model_matches(harness.engine, signed)
        assert len(queries.history(harness.engine, number=number)) == 1

        # The check above can see an accepted update when there is one.
        await handle.execute_update(
            MunicipalityWorkflow.transition, command(T.EXERCISE_OPTION), id="accepted-1"
        )
        assert accepted_update_ids((await handle.fetch_history()).events) == [
            *accepted_before,
            "accepted-1",
        ]


# -- idempotency ---------------------------------------------------------------------


async def test_the_same_key_returns_the_first_result(harness: Harness) -> None:
    async with harness.worker():
        municipality, handle = await harness.start()
        number = municipality.number
        first = await harness.move(number, T.SIGN_COLLABORATION, key="sign-2022")
        again = await harness.move(number, T.SIGN_COLLABORATION, key="sign-2022")
        assert again == first
        # Another update id, so only the workflow itself can recognise the key.
        direct = await handle.execute_update(
            MunicipalityWorkflow.transition,
            command(T.SIGN_COLLABORATION, key="sign-2022", comment="a retry with another body"),
            id="another-update-id",
        )
        assert direct == first
        assert len(queries.history(harness.engine, number=number)) == 1

        moved_on = await harness.move(number, T.EXERCISE_OPTION, key="option")
        # Later, when sign_collaboration would be refused, the key still answers.
        assert await harness.move(number, T.SIGN_COLLABORATION, key="sign-2022") == first
        assert await harness.state(number) == moved_on

        with pytest.raises(RequestRejected) as reused:
            await harness.move(number, T.START_PREPARATION, key="sign-2022")
        assert reused.value.field == "idempotency_key"
        assert "sign_collaboration" in reused.value.message

        log = assert_read_model_matches(harness.engine, await harness.state(number))
        assert [(r.seq, r.idempotency_key) for r in log] == [(1, "sign-2022"), (2, "option")]


async def test_concurrent_repeats_of_one_key_are_recorded_once(harness: Harness) -> None:
    async with harness.worker():
        municipality, _ = await harness.start()
        number = municipality.number
        results = await asyncio.gather(
            *(harness.move(number, T.SIGN_COLLABORATION, key="double-click") for _ in range(3))
        )
        assert results[0] == results[1] == results[2]
        assert results[0].stage is S.COLLABORATION_SIGNED
        assert len(queries.history(harness.engine, number=number)) == 1


# -- concurrency ---------------------------------------------------------------------


SIGNED = (T.SIGN_COLLABORATION,)
OPTION = (T.SIGN_COLLABORATION, T.EXERCISE_OPTION)
AGREED = (*OPTION, T.SIGN_SERVICE_AGREEMENT)

# Pairs where whichever fires first leaves the other refused (decline and
# exercise_option would not do: the option can be exercised after declining).
CONFLICTS = [
    (OPTION, T.DECLINE, T.SIGN_SERVICE_AGREEMENT),
    (OPTION, T.SIGN_SERVICE_AGREEMENT, T.DECLINE),
    (SIGNED, T.REQUIRE_RESIGNATURE, T.DECLINE),
    (AGREED, T.APPROVE_GO_LIVE, T.PAUSE),
    ((*AGREED, T.APPROVE_GO_LIVE), T.GO_LIVE, T.WITHDRAW),
]


def one_winner(
    outcomes: list[MunicipalityView | BaseException],
) -> tuple[MunicipalityView, TransitionRefused]:
    won = [o for o in outcomes if isinstance(o, MunicipalityView)]
    lost = [o for o in outcomes if isinstance(o, TransitionRefused)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    # Refused against the stage the winner left.
    assert lost[0].stage == won[0].stage.value
    return won[0], lost[0]


@pytest.mark.parametrize(("setup", "first", "second"), CONFLICTS)
async def test_concurrent_conflicting_transitions_one_wins(
    harness: Harness, setup: tuple[Trigger, ...], first: Trigger, second: Trigger
) -> None:
    async with harness.worker():
        municipality, _ = await harness.start()
        number = municipality.number
        for trigger in setup:
            await harness.move(number, trigger)
        outcomes = await asyncio.gather(
            harness.move(number, first), harness.move(number, second), return_exceptions=True
        )
        winner, _ = one_winner(outcomes)
        log = assert_read_model_matches(harness.engine, await harness.state(number))
        assert len(log) == len(setup) + 1
        assert log[-1] == winner.last_transition
        assert log[-1].trigger in (first, second)


async def test_conflicting_updates_queued_while_no_worker_runs_one_wins(
    harness: Harness,
) -> None:
    """Both wait for a worker, then reach the workflow back to back.

    A real server may hand both to one activation, so both validators pass and
    the handler's own check refuses the second; the test server hands them over
    one at a time, so here the second validator refuses it. Either way, one wins.
    """
    async with harness.worker(cached=False):
        municipality, handle = await harness.start()
        number = municipality.number
        for trigger in OPTION:
            await harness.move(number, trigger)
    contenders = [
        asyncio.create_task(
            handle.execute_update(MunicipalityWorkflow.transition, command(trigger), id=trigger)
        )
        for trigger in (T.DECLINE, T.SIGN_SERVICE_AGREEMENT)
    ]
    await asyncio.sleep(0.3)
    assert not any(task.done() for task in contenders)
    async with harness.worker(cached=False):
        outcomes = await asyncio.gather(*contenders, return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, WorkflowUpdateFailedError)]
    assert len(failures) == 1, outcomes
    cause = failures[0].cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "invalid_transition"
    [winner] = [o for o in outcomes if isinstance(o, MunicipalityView)]
    log = queries.history(harness.engine, number=number)
    assert winner.last_transition is not None
    assert [r.trigger for r in log] == [*OPTION, winner.last_transition.trigger]
    events = (await handle.fetch_history()).events
    # Registration and three transitions: the loser never reached the database.
    assert event_types(events).count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == 4


# -- continue-as-new -----------------------------------------------------------------


async def test_continue_as_new_carries_the_whole_state(harness: Harness) -> None:
    async with harness.worker():
        municipality, handle = await harness.start(continue_as_new_after_events=60)
        number = municipality.number
        first_run = (await handle.describe()).run_id
        first = await harness.move(number, T.SIGN_COLLABORATION, key="first-key")
        await harness.move(number, T.EXERCISE_OPTION)
        runs_seen = {first_run}
        # Runs that recorded a transition. A run seen by describe() may be
        # fresh from continue-as-new and have recorded nothing yet.
        runs_recording = {first.last_transition.run_id} if first.last_transition else set()
        crossed_while_paused = False
        moves = 2
        while len(runs_recording) < 4 or not crossed_while_paused:
            assert moves < 80, f"only {len(runs_recording)} runs after {moves} transitions"
            run_before = (await handle.describe()).run_id
            runs_seen.add(run_before)
            paused = await harness.move(number, T.PAUSE, key=f"pause-{moves}")
            run_after = (await handle.describe()).run_id
            runs_seen.add(run_after)
            # The new run must know where the pause began.
            state = await harness.state(number)
            assert (state.stage, state.paused_from) == (S.PAUSED, S.OPTION_EXERCISED)
            assert state.last_transition == paused.last_transition
            if run_after != run_before:
                crossed_while_paused = True
            resumed = await harness.move(number, T.RESUME)
            runs_seen.add((await handle.describe()).run_id)
            for record in (paused.last_transition, resumed.last_transition):
                assert record is not None
                runs_recording.add(record.run_id)
            assert (resumed.stage, resumed.paused_from) == (S.OPTION_EXERCISED, None)
            moves += 2

        state = await harness.state(number)
        assert state.last_transition is not None
        assert state.last_transition.seq == moves
        log = assert_read_model_matches(harness.engine, state)
        assert {r.run_id for r in log} == runs_recording
        assert len(runs_recording) >= 4
        assert runs_recording <= runs_seen
        # Each run is bounded: no run recorded more than a handful of transitions.
        per_run = [sum(1 for r in log if r.run_id == run) for run in {r.run_id for r in log}]
        assert max(per_run) < 10
        history_length = len((await handle.fetch_history()).events)
        assert history_length < 60 + 15

        # A key from the first run still answers with its first result, and
        # one from a pause in a later run too.
        assert await harness.move(number, T.SIGN_COLLABORATION, key="first-key") == first
        pause_key = f"pause-{moves - 2}"
        earlier = await harness.move(number, T.PAUSE, key=pause_key)
        assert earlier.last_transition == log[-2]
        assert len(queries.history(harness.engine, number=number)) == moves


# -- worker restarts -----------------------------------------------------------------


async def test_read_model_matches_the_workflows_across_worker_restarts(harness: Harness) -> None:
    roads: dict[str, list[Trigger]] = {}
    async with harness.worker(cached=False):
        started = [(await harness.start())[0] for _ in range(4)]
        numbers = [m.number for m in started]
        for number in numbers:
            await harness.move(number, T.SIGN_COLLABORATION)
            roads[number] = [T.SIGN_COLLABORATION]

    # A new worker (nothing cached) replays each history and carries on.
    async with harness.worker(cached=False):
        plans = {
            numbers[0]: [T.EXERCISE_OPTION, T.START_PREPARATION, T.PAUSE],
            numbers[1]: [T.REQUIRE_RESIGNATURE],
            numbers[2]: [T.EXERCISE_OPTION, T.SIGN_SERVICE_AGREEMENT],
            numbers[3]: [T.DECLINE],
        }
        for number, triggers in plans.items():
            for trigger in triggers:
                await harness.move(number, trigger)
            roads[number] += triggers

    # No worker: the requests wait for one.
    last = {
        numbers[0]: T.RESUME,
        numbers[1]: T.SIGN_COLLABORATION,
        numbers[2]: T.APPROVE_GO_LIVE,
        numbers[3]: T.EXERCISE_OPTION,
    }
    pending = {n: asyncio.create_task(harness.move(n, trigger)) for n, trigger in last.items()}
    await asyncio.sleep(0.5)
    assert not any(task.done() for task in pending.values())
    assert all(len(queries.history(harness.engine, number=n)) == len(roads[n]) for n in numbers)

    async with harness.worker(cached=False):
        results = {n: await asyncio.wait_for(task, 30) for n, task in pending.items()}
        for number, trigger in last.items():
            roads[number].append(trigger)
        expected_stage = {
            numbers[0]: S.PREPARING,
            numbers[1]: S.COLLABORATION_SIGNED,
            numbers[2]: S.READY,
            numbers[3]: S.OPTION_EXERCISED,
        }
        for number in numbers:
            state = await harness.state(number)
            assert state == results[number]
            assert state.stage is expected_stage[number]
            log = assert_read_model_matches(harness.engine, state)
            assert [r.trigger for r in log] == roads[number]  # each exactly once


async def write_has_failed(handle: WorkflowHandle[Any, Any], timeout: float = 10.0) -> None:
    """Wait until the workflow's pending SQL write has failed at least once."""
    deadline = time.monotonic() + timeout
    while True:
        pending = (await handle.describe()).raw_description.pending_activities
        if pending and (pending[0].attempt >= 2 or pending[0].HasField("last_failure")):
            assert pending[0].activity_type.name == "record_transition"
            return
        assert time.monotonic() < deadline, "the SQL write never failed"
        await asyncio.sleep(0.05)


async def no_pending_activity(handle: WorkflowHandle[Any, Any], timeout: float = 30.0) -> None:
    """Wait until the workflow has no activity under way."""
    deadline = time.monotonic() + timeout
    while (await handle.describe()).raw_description.pending_activities:
        assert time.monotonic() < deadline, "an activity stayed pending"
        await asyncio.sleep(0.05)


async def test_the_update_returns_only_after_the_sql_write(
    client: Client, task_queue: str, tmp_path: Path
) -> None:
    home = tmp_path / "db"
    home.mkdir()
    engine = make_engine(f"sqlite:///{home}/onboarding.db")
    create_schema(engine)
    try:
        async with Harness(client, engine, task_queue) as test, test.worker():
            municipality, handle = await test.start()
            number = municipality.number
            # Its registration written first (on a busy machine it may still be on its way).
            await no_pending_activity(handle)
            # The read model goes down: close its connections and take its directory away.
            engine.dispose()
            home.rename(tmp_path / "away")
            task = asyncio.create_task(test.move(number, T.SIGN_COLLABORATION, key="slow"))
            await write_has_failed(handle)
            assert not task.done(), "the update returned before its transition was stored"
            # A client that gave up waiting retries with the same key.
            retry = asyncio.create_task(test.move(number, T.SIGN_COLLABORATION, key="slow"))
            await asyncio.sleep(0.1)
            assert not retry.done()
            (tmp_path / "away").rename(home)  # back; the activity's next attempt gets through
            view = await asyncio.wait_for(task, 30)
            assert await asyncio.wait_for(retry, 30) == view
            assert view.stage is S.COLLABORATION_SIGNED
            assert_read_model_matches(engine, view)
            assert len(queries.history(engine, number=number)) == 1
    finally:
        engine.dispose()


# -- search attribute and gateway ----------------------------------------------------


def upserted_names(history: WorkflowHistory) -> list[list[str]]:
    """The search attributes each UpsertWorkflowSearchAttributes event of `history` names."""
    return [
        sorted(
            e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        )
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]


async def replays(history: WorkflowHistory) -> None:
    """`history` replays with the current code (as a worker restarted under it would)."""
    await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(
        history
    )


async def test_the_stage_stays_out_of_temporal_visibility(harness: Harness) -> None:
    """A new run writes no `OnboardingStage`: each write was a visibility write per transition."""
    async with harness.worker():
        municipality, handle = await harness.start()
        number = municipality.number
        for trigger in (None, T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.PAUSE, T.RESUME):
            if trigger is not None:
                await harness.move(number, trigger)
            described = await handle.describe()
            assert described.typed_search_attributes.get(STAGE_ATTRIBUTE) is None
            assert described.typed_search_attributes.get(NUMBER_ATTRIBUTE) == number
        history = await handle.fetch_history()
    assert not any(STAGE_ATTRIBUTE.name in names for names in upserted_names(history))
    await replays(history)


async def test_a_stage_left_by_an_older_start_is_cleared(harness: Harness) -> None:
    """Runs begun before the patch kept the attribute; the next run would carry it stale."""
    municipality = await harness.fresh_municipality()
    harness.started.append(municipality.number)
    # Started as gateways started every party before 2026-12-05, before a worker runs.
    handle = await harness.client.start_workflow(
        MunicipalityWorkflow.run,
        gateway.starting_input(municipality, V1, readiness_guard=False),
        id=party_workflow_id(municipality.number),
        task_queue=harness.task_queue,
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(STAGE_ATTRIBUTE, "prospective")]
        ),
    )
    described = await handle.describe()
    assert described.typed_search_attributes.get(STAGE_ATTRIBUTE) == "prospective"

    # Uncached: every activation replays what the run has recorded so far.
    async with harness.worker(cached=False):
        moved = await harness.move(municipality.number, T.SIGN_COLLABORATION)
        assert moved.stage is S.COLLABORATION_SIGNED
        described = await handle.describe()
        assert described.typed_search_attributes.get(STAGE_ATTRIBUTE) is None
        history = await handle.fetch_history()
    # The one write of the stage is the unset, in the run's first task.
    assert [names for names in upserted_names(history) if STAGE_ATTRIBUTE.name in names] == [
        [STAGE_ATTRIBUTE.name]
    ]
    await replays(history)


async def test_starting_twice_keeps_the_running_workflow(harness: Harness) -> None:
    async with harness.worker():
        municipality, handle = await harness.start()
        moved = await harness.move(municipality.number, T.SIGN_COLLABORATION)
        again = await gateway.start_party(
            harness.client, municipality, task_queue=harness.task_queue
        )
        assert again.result_run_id == handle.result_run_id
        assert await harness.state(municipality.number) == moved


async def test_load_region_starts_every_municipality(harness: Harness) -> None:
    region = [await harness.fresh_municipality() for _ in range(5)]
    harness.started += [m.number for m in region]
    async with harness.worker():
        count = await gateway.load_region(
            harness.client, region, task_queue=harness.task_queue, concurrency=2
        )
        assert count == 5
        await eventually(
            lambda: len(queries.list_municipalities(harness.engine)) == 5, what="5 rows"
        )
        rows = queries.list_municipalities(harness.engine)
        assert [(r.number, r.name, r.stage) for r in rows] == sorted(
            (m.number, m.name, "prospective") for m in region
        )
        for municipality in region:
            view = await harness.state(municipality.number)
            assert (view.number, view.county, view.stage) == (
                municipality.number,
                "Trøndelag",
                S.PROSPECTIVE,
            )


async def test_an_unknown_municipality_is_named(harness: Harness) -> None:
    stranger: Municipality = await harness.fresh_municipality()
    with pytest.raises(UnknownMunicipality) as unknown:
        await harness.state(stranger.number)
    assert unknown.value.number == stranger.number
    with pytest.raises(UnknownMunicipality):
        await harness.move(stranger.number, T.SIGN_COLLABORATION)
