"""A municipality's transitions: planned against the process, applied to its state (pure).

The workflow's `transition` update and its validator plan with the same code,
so a request the validator accepts is refused by the handler only if the state
changed in between. `now`, the workflow id and run id come from the workflow.
"""

from datetime import datetime

from onboarding.domain.calendar import oslo_date
from onboarding.domain.idempotency import FirstAnswers
from onboarding.domain.parties.models import (
    MunicipalityState,
    MunicipalityView,
    TransitionCommand,
    TransitionRecord,
)
from onboarding.domain.parties.process import process_of
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.machine import (
    ProcessContext,
    allowed_triggers,
    check_effective_on,
    check_evidence,
    check_not_before,
    decide,
)
from onboarding.domain.recording import Recording, recording
from onboarding.domain.vocabulary import Stage, Trigger

# Where a home municipality stands when a party that waits for it may be approved.
_HOME_READY: frozenset[Stage] = frozenset({Stage.READY, Stage.LIVE})


def go_live_blockers(state: MunicipalityState, policy: ReminderPolicy) -> list[str]:
    """The conditions still missing for approve_go_live, in a stable order.

    With the readiness guard on: the stage approve_go_live fires from (a
    municipality's signed service agreement), membership of a production wave,
    every checklist item of the policy done, and for a party that waits for
    its municipality (a GP office), that municipality ready or live as last
    learned (the workflow asks before it approves).
    """
    if not state.readiness_guard:
        return []
    missing: list[str] = []
    definition = process_of(state)
    reached = state.paused_from if state.stage is Stage.PAUSED else state.stage
    if reached not in definition.approval_stages | _HOME_READY:
        missing.append(not_reached(definition.approval_stages))
    if state.wave is None:
        missing.append("not a member of a production wave")
    home = state.municipality.municipality_number
    if (
        definition.waits_for_home_municipality
        and state.home_stage is not None
        and state.home_stage not in _HOME_READY
    ):
        missing.append(f"municipality {home} is not ready for go-live ({state.home_stage.value})")
    for rule in policy.checklist:
        if rule.id.value not in state.checklist_done:
            missing.append(f"checklist item {rule.id.value} not done")
    return missing


def not_reached(approval_stages: frozenset[Stage]) -> str:
    """What a party short of the stages go-live is approved from still lacks."""
    # The municipality's words are the ones the pages translate (web/conditions.py).
    if Stage.SERVICE_AGREEMENT_SIGNED in approval_stages:
        return "service agreement not signed"
    return f"stage {' or '.join(sorted(s.value for s in approval_stages))} not reached"


def process_context(state: MunicipalityState, policy: ReminderPolicy) -> ProcessContext:
    """What the process's guards see: its version, the stage, what still blocks approve_go_live."""
    return ProcessContext(
        definition=process_of(state),
        stage=state.stage,
        paused_from=state.paused_from,
        go_live_blockers=tuple(go_live_blockers(state, policy)),
    )


def transition_recording(
    state: MunicipalityState, backdated_to: datetime | None, now: datetime
) -> Recording:
    """When a transition of the party's road counts as recorded: now, or (the demo loader's)
    the time it was backdated to, never before the party's previous transition."""
    previous = state.last_transition
    return recording(backdated_to, now, not_before=previous.recorded_at if previous else None)


def plan_transition(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: TransitionCommand,
    *,
    now: datetime,
    workflow_id: str,
    run_id: str,
) -> TransitionRecord:
    """The record `command` would produce, or an OnboardingError saying why not.

    The trigger must be allowed from the stage, its date (default today in
    Europe/Oslo) not in the future nor before the last transition's nor
    before the day the process opens the trigger, its evidence what the
    trigger asks for. A backdated command (the demo loader's) is recorded at
    its `recorded_at`, and "today" is that day.
    """
    context = process_context(state, policy)
    to_stage = decide(context, command.trigger)
    recorded = transition_recording(state, command.recorded_at, now)
    today = oslo_date(recorded.recorded_at)
    effective_on = command.effective_on or today
    check_effective_on(effective_on, today, state.last_transition)
    check_not_before(context.definition, command.trigger, effective_on)
    return TransitionRecord(
        seq=state.seq + 1,
        trigger=command.trigger,
        from_stage=state.stage,
        to_stage=to_stage,
        effective_on=effective_on,
        evidence=check_evidence(context.definition, command.trigger, command.evidence),
        comment=command.comment,
        actor=command.actor,
        recorded_at=recorded.recorded_at,
        idempotency_key=command.idempotency_key,
        workflow_id=workflow_id,
        run_id=run_id,
        process_version=state.process_version,
        entered_at=recorded.entered_at,
    )


def apply_transition(state: MunicipalityState, record: TransitionRecord) -> None:
    """Move `state` to the planned `record`'s stage; a pause remembers where it paused from."""
    if record.to_stage is Stage.PAUSED:
        state.paused_from = record.from_stage
    elif record.trigger is Trigger.RESUME:
        state.paused_from = None
    state.stage = record.to_stage
    state.seq = record.seq
    state.last_transition = record
    state.records.append(record)


def municipality_view(state: MunicipalityState, policy: ReminderPolicy) -> MunicipalityView:
    """The municipality as its query and every transition answer show it."""
    municipality = state.municipality
    context = process_context(state, policy)
    return MunicipalityView(
        number=municipality.number,
        name=municipality.name,
        county=municipality.county,
        health_trust=municipality.health_trust,
        kind=municipality.kind,
        org_number=municipality.org_number,
        municipality_number=municipality.municipality_number,
        specialty=municipality.specialty,
        staff_count=municipality.staff_count,
        stage=state.stage,
        paused_from=state.paused_from,
        allowed_triggers=allowed_triggers(context),
        last_transition=state.last_transition,
        process_version=state.process_version,
        wave_id=state.wave.wave_id if state.wave else None,
        go_live_at=state.wave.go_live_at if state.wave else None,
        missed_go_live=state.missed_go_live,
        go_live_blockers=list(context.go_live_blockers),
        current_number=state.current_number,
        ended_by_reform=state.ended_by_reform,
        successors=list(state.successors),
    )


def transition_answers(
    state: MunicipalityState, *, kept: int
) -> FirstAnswers[TransitionCommand, MunicipalityView]:
    """The first answers to transitions by idempotency key; a key is for one trigger."""
    return FirstAnswers(
        state.results_by_key,
        kept=kept,
        asked_for=lambda command: f"{command.trigger}",
        answered=lambda view: f"{view.last_transition.trigger if view.last_transition else None}",
    )
