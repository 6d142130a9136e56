"""Determinism: every recorded history (tests/histories/*.json) replays with the current code.

A workflow change that would break running workflows (a new activity, timer or
branch not behind `workflow.patched(...)`) fails here. The histories come from
real runs, recorded by `python -m tests.histories.record` (see that module for
when and how to re-record); the coverage test below makes sure they still
exercise every trigger, deadlines, reminders, escalations and continue-as-new.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from onboarding.domain.migrations.run import MigrationProgress, MigrationRunInput
from onboarding.domain.parties.models import MunicipalityWorkflowInput
from onboarding.domain.process.registry import PROCESSES
from onboarding.domain.waves.models import WaveWorkflowInput
from onboarding.embedded.worker import WORKFLOWS
from workflows.migration import MigrationWorkflow
from workflows.municipality import MunicipalityWorkflow
from workflows.names import STAGE_ATTRIBUTE
from workflows.options import BOUNDED_CARRY_PATCH, STAGE_OUT_OF_VISIBILITY_PATCH
from workflows.party import PartyWorkflow
from workflows.wave import WaveWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
FILES = sorted(HISTORIES.glob("*.json"))


def replay_converter() -> DataConverter:
    """The converter the histories' payloads were written with (the workers' own)."""
    return pydantic_data_converter


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text(encoding="utf-8"))


def patch_ids(history: WorkflowHistory) -> set[str]:
    """The ids of the `workflow.patched` markers in `history`."""
    converter = replay_converter().payload_converter
    return {
        converter.from_payloads(
            e.marker_recorded_event_attributes.details["patch-data"].payloads, [dict]
        )[0]["id"]
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and "patch-data" in e.marker_recorded_event_attributes.details
    }


def test_there_are_histories_to_replay() -> None:
    assert len(FILES) >= 9, f"no histories in {HISTORIES}: python -m tests.histories.record"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_history_replays_with_the_current_code(path: Path) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=replay_converter())
    await replayer.replay_workflow(load(path))


@workflow.defn(name="MunicipalityWorkflow", sandboxed=False)
class TimerFirstWorkflow(MunicipalityWorkflow):
    """The workflow with one timer more at the start: a change that breaks replay."""

    @workflow.run
    async def run(self, input: MunicipalityWorkflowInput) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super().run(input)


@workflow.defn(name="PartyWorkflow", sandboxed=False)
class TimerFirstPartyWorkflow(PartyWorkflow):
    """The same unpatched change in the party workflow of the other kinds."""

    @workflow.run
    async def run(self, input: MunicipalityWorkflowInput) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super().run(input)


@workflow.defn(name="WaveWorkflow", sandboxed=False)
class TimerFirstWaveWorkflow(WaveWorkflow):
    """The same unpatched change in the wave's workflow."""

    @workflow.run
    async def run(self, input: WaveWorkflowInput) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super().run(input)


@workflow.defn(name="MigrationWorkflow", sandboxed=False)
class TimerFirstMigrationWorkflow(MigrationWorkflow):
    """The same unpatched change in a migration run's workflow."""

    @workflow.run
    async def run(self, input: MigrationRunInput) -> MigrationProgress:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


async def test_a_change_that_breaks_replay_fails() -> None:
    """The replay test can fail: an unpatched change is caught on every history."""
    replayer = Replayer(
        workflows=[
            TimerFirstWorkflow,
            TimerFirstPartyWorkflow,
            TimerFirstWaveWorkflow,
            TimerFirstMigrationWorkflow,
        ],
        data_converter=replay_converter(),
    )
    for path in FILES:
        history = load(path)
        kinds = [event.event_type for event in history.events]
        if (
            kinds[-1] == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
            and kinds.count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) == 1
        ):
            # A run recorded right after its first task, which issued nothing
            # (before_corrections_run4): no command to disagree with.
            continue
        with pytest.raises(Exception, match="[Nn]ondetermin"):
            await replayer.replay_workflow(history)


def test_the_histories_cover_every_path() -> None:
    converter = replay_converter().payload_converter
    triggers: set[str] = set()
    updates: set[str] = set()
    signals: set[str] = set()
    messages: set[str] = set()
    workflow_types: set[str] = set()
    versions: set[tuple[str, int]] = set()
    backdated: set[str] = set()  # updates recorded with a backdated time (the demo loader's)
    continued = timers_fired = 0
    for path in FILES:
        for event in load(path).events:
            kind = event.event_type
            if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                attributes = event.workflow_execution_started_event_attributes
                workflow_types.add(attributes.workflow_type.name)
                if attributes.workflow_type.name in ("MunicipalityWorkflow", "PartyWorkflow"):
                    [start] = converter.from_payloads(attributes.input.payloads, [dict])
                    state = start["state"]
                    kind = state["municipality"].get("kind", "municipality")
                    versions.add((kind, state.get("process_version", 1)))
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                request = event.workflow_execution_update_accepted_event_attributes.accepted_request
                updates.add(request.input.name)
                [arg] = converter.from_payloads(request.input.args.payloads, [dict])
                if request.input.name == "transition":
                    triggers.add(arg["trigger"])
                commands = arg.get("commands", []) if isinstance(arg, dict) else []
                if isinstance(arg, dict) and (
                    arg.get("recorded_at") or any(c.get("recorded_at") for c in commands)
                ):
                    backdated.add(request.input.name)
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                signals.add(event.workflow_execution_signaled_event_attributes.signal_name)
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                scheduled = event.activity_task_scheduled_event_attributes
                if scheduled.activity_type.name == "enqueue_notifications":
                    [due] = converter.from_payloads(scheduled.input.payloads, [dict])
                    messages.add(due["message_key"].split("-")[0])
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                continued += 1
            elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
                timers_fired += 1
    # Every trigger of every process the workflow runs, of every kind of party.
    run = {t.value for d in PROCESSES.values() for t in d.triggers}
    assert triggers == run, run - triggers
    # Every released version of every process has a history that must keep replaying.
    released = set(PROCESSES)
    assert versions == released, f"no recorded history of {released - versions}"
    # Every workflow type, and every update and signal they declare (a new one,
    # e.g. a correction, needs its path in tests/histories/record.py).
    definitions = [d for w in WORKFLOWS if (d := workflow._Definition.from_class(w)) is not None]
    assert len(definitions) == len(WORKFLOWS)
    assert workflow_types == {d.name for d in definitions}
    declared = {name for d in definitions for name in d.updates}
    assert updates == declared, f"no recorded path for {declared - updates}"
    declared_signals = {name for d in definitions for name in d.signals if name}
    assert signals == declared_signals, f"no recorded path for {declared_signals - signals}"
    # Reminders and escalations of obligations, and a member that missed its wave's go-live.
    assert messages == {"reminder", "escalation", "missed"}
    # The demo loader's backdated recording (#21), through every update that takes it.
    assert backdated == {
        "transition",
        "complete_checklist_item",
        "complete_checklist_items",
        "add_member",
        "reschedule",
        "decide",
        "wave_go_live",
    }, backdated
    assert continued >= 1 and timers_fired >= 4


def test_runs_continued_as_new_with_the_whole_state_and_with_a_bounded_one() -> None:
    """A party's run that carried its whole state, and one behind the bounded-carry patch."""
    carried: dict[str, bool] = {}
    for path in FILES:
        history = load(path)
        if (
            history.events[-1].event_type
            != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ):
            continue
        carried[path.stem] = BOUNDED_CARRY_PATCH in patch_ids(history)
    assert set(carried.values()) == {True, False}, carried


def test_party_runs_that_kept_the_stage_searchable_and_runs_that_do_not() -> None:
    """Party runs recorded before the stage-out-of-visibility patch upsert the stage; none after."""
    kept: dict[str, bool] = {}
    for path in FILES:
        history = load(path)
        if history.events[0].workflow_execution_started_event_attributes.workflow_type.name not in {
            "MunicipalityWorkflow",
            "PartyWorkflow",
        }:
            continue
        upserts_stage = any(
            STAGE_ATTRIBUTE.name
            in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
        )
        patched = STAGE_OUT_OF_VISIBILITY_PATCH in patch_ids(history)
        assert not (patched and upserts_stage), f"{path.stem} wrote the stage after the patch"
        kept[path.stem] = patched
    assert set(kept.values()) == {True, False}, kept


def test_a_wave_went_live_at_its_instant_and_after_the_fact() -> None:
    """The wave histories hold both ways to go live: its timer, and the approve decision."""

    def fired_timers(name: str) -> int:
        kinds = [e.event_type for e in load(HISTORIES / f"{name}.json").events]
        return kinds.count(EventType.EVENT_TYPE_TIMER_FIRED)

    assert fired_timers("wave_at_the_instant") >= 1
    assert fired_timers("wave_after_the_fact") == 0
