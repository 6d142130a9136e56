"""Deadlines set, a void undone and messages falling due, without a workflow (pure)."""

from datetime import UTC, date, datetime, timedelta

from onboarding.domain.notifications import MessageKind
from onboarding.domain.obligations.models import DeadlineCommand
from onboarding.domain.obligations.schedule import ObligationStatus, pending
from onboarding.domain.parties.corrections import apply_correction
from onboarding.domain.parties.deadlines import set_deadline
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.parties.obligations import (
    due_messages,
    follow_obligations,
    obligations_after_void,
)
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from tests.domain.builders import ACTOR, RUN, municipality_state, transition_record, void_record

POLICY = ReminderPolicy()
NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
TODAY = date(2030, 3, 1)


def fresh(stage: Stage = Stage.COLLABORATION_SIGNED) -> MunicipalityState:
    state = municipality_state(stage)
    follow_obligations(state, POLICY, None, TODAY, now=NOW)
    return state


def deadline(on: date) -> DeadlineCommand:
    return DeadlineCommand(
        obligation_id="exercise_option", deadline=on, reason="council", actor=ACTOR
    )


def test_setting_a_deadline_records_the_change_and_passes_over_the_past() -> None:
    state = fresh()
    option = state.obligations["exercise_option"]
    # 2030-03-20: its 60- and 30-day reminders are gone by 1 March, the 7-day one is to come.
    change = set_deadline(option, POLICY, deadline(date(2030, 3, 20)), now=NOW, **RUN)
    assert (change.deadline_before, change.deadline_after) == (None, date(2030, 3, 20))
    assert (change.reason, change.actor, change.recorded_at) == ("council", ACTOR, NOW)
    assert option.deadline == date(2030, 3, 20)
    assert option.done == ["2030-03-20:reminder-60d", "2030-03-20:reminder-30d"]
    assert [m.message_key for m in pending(option, POLICY)][0] == "reminder-7d"
    moved = set_deadline(option, POLICY, deadline(date(2030, 6, 3)), now=NOW, **RUN)
    assert moved.deadline_before == date(2030, 3, 20)


def test_a_paused_obligation_s_clock_stands_still_from_the_new_deadline_s_day() -> None:
    state = fresh()
    option = state.obligations["exercise_option"]
    option.status, option.paused_on = ObligationStatus.PAUSED, date(2030, 1, 10)
    set_deadline(option, POLICY, deadline(date(2030, 6, 3)), now=NOW, **RUN)
    assert option.paused_on == TODAY


def test_voiding_a_fulfilment_opens_the_obligation_again() -> None:
    state = fresh()
    sign = transition_record(
        Trigger.SIGN_COLLABORATION, Stage.PROSPECTIVE, Stage.COLLABORATION_SIGNED, TODAY
    )
    exercise = transition_record(
        Trigger.EXERCISE_OPTION,
        Stage.COLLABORATION_SIGNED,
        Stage.OPTION_EXERCISED,
        date(2030, 3, 5),
        seq=2,
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
    pause = transition_record(Trigger.PAUSE, Stage.COLLABORATION_SIGNED, Stage.PAUSED, TODAY)
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
    voided = apply_correction(state, void_record(state.records[-1], seq=state.seq + 1))
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
