"""The gateway from the API to the wave workflows, and to members' checklists.

Like engine.py for municipalities: it starts and calls the workflows and turns
Temporal's failures back into the domain's errors (WaveRefused, UnknownWave,
RequestRejected, TransitionRefused).
"""

from datetime import datetime

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from onboarding.domain.actor import Actor
from onboarding.domain.errors import RequestRejected, UnknownWave, WaveRefused
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.recording import recording
from onboarding.domain.waves.models import (
    AddMemberCommand,
    ChecklistCommand,
    ChecklistItemsCommand,
    ChecklistItemView,
    ChecklistView,
    DecisionCommand,
    RemoveMemberCommand,
    RescheduleCommand,
    WaveCreate,
    WaveDate,
    WaveInfo,
    WaveRecorded,
    WaveState,
    WaveView,
    WaveWorkflowInput,
)
from onboarding.gateway.parties import engine_errors, queried, surviving_continue_as_new
from workflows.names import party_workflow_id, wave_workflow_id
from workflows.party import PartyWorkflow
from workflows.wave import WaveWorkflow


def check_new_wave(request: WaveCreate, *, now: datetime) -> None:
    """Refuse a past go-live unless the wave is recorded after the fact."""
    if request.go_live_at <= now and not request.recorded_after_the_fact:
        raise RequestRejected(
            "go_live_at",
            f"{request.go_live_at.isoformat()} is in the past; to record a wave that already "
            "went live, set recorded_after_the_fact: true",
        )


async def create_wave(
    client: Client,
    request: WaveCreate,
    *,
    actor: Actor,
    task_queue: str,
    now: datetime,
    policy: ReminderPolicy | None = None,
    continue_as_new_after_events: int = 2_000,
) -> WaveView:
    """Start the wave's workflow; 409 if a wave of that id exists."""
    check_new_wave(request, now=now)
    created = recording(request.recorded_at, now)
    info = WaveInfo(
        id=request.id,
        name=request.name,
        health_trust=request.health_trust,
        go_live_at=request.go_live_at,
        recorded_after_the_fact=request.recorded_after_the_fact,
        created_by=actor,
        created_at=created.recorded_at,
        entered_at=created.entered_at,
    )
    state = WaveState(
        info=info,
        dates=[
            WaveDate(
                go_live_at=info.go_live_at,
                set_at=created.recorded_at,
                reason="created",
                actor=actor,
            )
        ],
    )
    with engine_errors(request.id, missing=UnknownWave(request.id)):
        try:
            handle = await client.start_workflow(
                WaveWorkflow.run,
                WaveWorkflowInput(
                    state=state,
                    policy=policy or ReminderPolicy(),
                    continue_as_new_after_events=continue_as_new_after_events,
                ),
                id=wave_workflow_id(request.id),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise WaveRefused(request.id, "existing", "a wave with this id exists") from None
        # Answer once the wave is in SQL, so a list right after shows it.
        return await handle.execute_update(WaveWorkflow.recorded, WaveRecorded())


async def wave(client: Client, wave_id: str) -> WaveView:
    """The wave as its workflow sees it."""
    handle = client.get_workflow_handle_for(WaveWorkflow.run, wave_workflow_id(wave_id))
    return await queried(
        lambda: handle.query(WaveWorkflow.view), wave_id, missing=UnknownWave(wave_id)
    )


async def add_member(client: Client, wave_id: str, command: AddMemberCommand) -> WaveView:
    """Add (or move) a municipality to the wave."""
    return await _update(client, wave_id, "add_member", command)


async def remove_member(client: Client, wave_id: str, command: RemoveMemberCommand) -> WaveView:
    """Remove a member from the wave."""
    return await _update(client, wave_id, "remove_member", command)


async def reschedule(client: Client, wave_id: str, command: RescheduleCommand) -> WaveView:
    """Move the wave's go-live, and its members' deadlines with it."""
    return await _update(client, wave_id, "reschedule", command)


async def decide(client: Client, wave_id: str, command: DecisionCommand) -> WaveView:
    """Record the wave-level go/no-go decision."""
    return await _update(client, wave_id, "decide", command)


async def checklist(client: Client, number: str) -> ChecklistView:
    """A municipality's readiness checklist."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    return await queried(lambda: handle.query(PartyWorkflow.checklist), number)


async def complete_item(
    client: Client, number: str, command: ChecklistCommand
) -> ChecklistItemView:
    """Mark a checklist item done."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    with engine_errors(number):
        # Marking an item done twice answers the first marking: safe to repeat.
        return await surviving_continue_as_new(
            lambda: handle.execute_update(PartyWorkflow.complete_checklist_item, command),
            repeatable=True,
        )


async def complete_items(
    client: Client, number: str, command: ChecklistItemsCommand
) -> ChecklistView:
    """Mark several checklist items done at once (all or none); the checklist after them."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(number))
    with engine_errors(number):
        # Items already done with the same date are repeats: safe to repeat as a whole.
        return await surviving_continue_as_new(
            lambda: handle.execute_update(PartyWorkflow.complete_checklist_items, command),
            repeatable=True,
        )


async def _update(client: Client, wave_id: str, update: str, command: BaseModel) -> WaveView:
    handle = client.get_workflow_handle(wave_workflow_id(wave_id))
    with engine_errors(wave_id, missing=UnknownWave(wave_id)):
        view: WaveView = await surviving_continue_as_new(
            lambda: handle.execute_update(update, command, result_type=WaveView),
            repeatable=False,
        )
        return view
