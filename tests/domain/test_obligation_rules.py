"""Deadlines set, a void undone and messages falling due, without a workflow (pure)."""

from datetime import UTC, date, datetime, timedelta

from onboarding.domain.actor import Actor
from onboarding.domain.notifications import MessageKind
from onboarding.domain.obligations.deadlines import set_deadline
from onboarding.domain.obligations.models import DeadlineCommand
from onboarding.domain.obligations.policy import ReminderPolicy
from onboarding.domain.obligations.schedule import ObligationStatus, pending
from onboarding.domain.obligations.stages import (
    due_messages,
    follow_obligations,
    obligations_after_void,
)
from onboarding.domain.parties.correction_records import CorrectionKind, CorrectionRecord
from onboarding.domain.parties.corrections import apply_correction
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.parties.municipality import Municipality
from onboarding.domain.process.definition import Stage, Trigger

POLICY = ReminderPolicy()
NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
TODAY = date(2030, 3, 1)
ACTOR = Actor(id="u", name="Kari", role="coordinator")
RUN = {"workflow_id": "municipality-8901", "run_id": "run-1"}


def fresh(stage: Stage = Stage.COLLABORATION_SIGNED) -> MunicipalityState:
    municipality = Municipality(number="8901", name="Testby", county="T", health_trust="HF")
    state = MunicipalityState(municipality=municipality, stage=stage)
    follow_obligations(state, POLICY, None, TODAY, now=NOW)
    return state


def deadline(on: date) -> DeadlineCommand:
    return DeadlineCommand(
        obligation_id="exercise_option", deadline=on, reason="council", actor=ACTOR
    )


def record(
    trigger: Trigger, from_stage: Stage, to_stage: Stage, on: date, seq: int
) -> TransitionRecord:
    return TransitionRecord(
        seq=seq,
        trigger=trigger,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_on=on,
        evidence={},
        comment=None,
        actor=ACTOR,
        recorded_at=NOW,
        idempotency_key=None,
        **RUN,
    )


def test_setting_a_deadline_records_the_change_and_passes_over_the_past() -> None:
    state = fresh()
    option = state.obligations["exercise_option"]
    # 2030-03-20: its 60- and 30-day reminders are gone by 1 March, the 7-day one is to come.
    change = set_deadline(option, POLICY, deadline(date(2030, 3, 20)), now=NOW, today=TODAY, **RUN)
    assert (change.deadline_before, change.deadline_after) == (None, date(2030, 3, 20))
    assert (change.reason, change.actor, change.recorded_at) == ("council", ACTOR, NOW)
    assert option.deadline == date(2030, 3, 20)
    assert option.done == ["2030-03-20:reminder-60d", "2030-03-20:reminder-30d"]
    assert [m.message_key for m in pending(option, POLICY)][0] == "reminder-7d"
    moved = set_deadline(option, POLICY, deadline(date(2030, 6, 3)), now=NOW, today=TODAY, **RUN)
    assert moved.deadline_before == date(2030, 3, 20)


def test_a_paused_obligation_s_clock_stands_still_from_the_new_deadline_s_day() -> None:
    state = fresh()
    option = state.obligations["exercise_option"]
    option.status, option.paused_on = ObligationStatus.PAUSED, date(2030, 1, 10)
    set_deadline(option, POLICY, deadline(date(2030, 6, 3)), now=NOW, today=TODAY, **RUN)
    assert option.paused_on == TODAY


def test_voiding_a_fulfilment_opens_the_obligation_again() -> None:
    state = fresh()
    sign = record(
        Trigger.SIGN_COLLABORATION, Stage.PROSPECTIVE, Stage.COLLABORATION_SIGNED, TODAY, 1
    )
    exercise = record(
        Trigger.EXERCISE_OPTION,
        Stage.COLLABORATION_SIGNED,
        Stage.OPTION_EXERCISED,
        date(2030, 3, 5),
        2,
    )
    state.records = [sign, exercise]
    state.records_complete = True
    state.seq, state.last_transition, state.stage = 2, exercise, Stage.OPTION_EXERCISED
    follow_obligations(state, POLICY, Trigger.EXERCISE_OPTION, date(2030, 3, 5), now=NOW)
    assert state.obligations["exercise_option"].status is ObligationStatus.FULFILLED
    assert state.obligations["sign_service_agreement"].status is ObligationStatus.OPEN

    state.stage, state.last_transition = Stage.COLLABORATION_SIGNED, sign  # as the void leaves it
    obligations_after_void(state, POLICY, exercise, now=NOW)
    option = state.obligations["exercise_option"]
    assert (option.status, option.closed_on) == (ObligationStatus.OPEN, None)
    # The stage in force has no service agreement to sign.
    assert state.obligations["sign_service_agreement"].status is ObligationStatus.CANCELLED


def test_voiding_a_pause_means_the_clock_never_stopped() -> None:
    state = fresh()
    option = state.obligations["exercise_option"]
    option.deadline = date(2030, 6, 3)
    pause = record(Trigger.PAUSE, Stage.COLLABORATION_SIGNED, Stage.PAUSED, TODAY, 1)
    state.records, state.records_complete = [pause], True
    state.seq, state.last_transition, state.stage = 1, pause, Stage.PAUSED
    state.paused_from = Stage.COLLABORATION_SIGNED
    follow_obligations(state, POLICY, Trigger.PAUSE, TODAY, now=NOW)
    assert option.status is ObligationStatus.PAUSED

    voided = void_last(state)
    obligations_after_void(state, POLICY, voided, now=NOW)
    assert (option.status, option.paused_on) == (ObligationStatus.OPEN, None)
    assert option.deadline == date(2030, 6, 3)  # not shifted by a pause that never was


def void_last(state: MunicipalityState) -> TransitionRecord:
    target = state.records[-1]
    voided = apply_correction(
        state,
        CorrectionRecord(
            seq=state.seq + 1,
            kind=CorrectionKind.VOID,
            event_id=1,
            target_seq=target.seq,
            trigger=target.trigger,
            effective_on_before=target.effective_on,
            effective_on_after=None,
            evidence_before={},
            evidence_after=None,
            stage_before=target.to_stage,
            stage_after=target.from_stage,
            reason="recorded by mistake",
            actor=ACTOR,
            recorded_at=NOW,
            idempotency_key=None,
            **RUN,
        ),
    )
    assert voided is not None
    return voided


def test_due_messages_are_those_whose_time_has_come_each_once() -> None:
    state = fresh()
    option = state.obligations["exercise_option"]
    option.deadline = date(2030, 4, 1)
    first_at = pending(option, POLICY)[0].at
    assert due_messages(state, POLICY, first_at - timedelta(minutes=1)) == []
    due = due_messages(state, POLICY, first_at)
    assert [d.message.message_key for d in due] == ["reminder-60d"]
    message = due[0].due
    assert (message.obligation_id, message.kind, message.offset_days) == (
        "exercise_option",
        MessageKind.REMINDER,
        60,
    )
    assert (message.municipality, message.due_at) == (state.municipality, first_at)
    due[0].queued()
    assert due_messages(state, POLICY, first_at) == []
