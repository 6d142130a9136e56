"""Obligations following the stage, and the deadline rules, without a workflow (pure)."""

from datetime import UTC, date, datetime

import pytest

from onboarding.domain.actor import Actor
from onboarding.domain.errors import ObligationNotOpen, RequestRejected
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.models import DeadlineCommand
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import MunicipalityState
from onboarding.domain.parties.obligations import (
    follow_obligations,
    next_message_at,
    obligation_views,
    open_obligation,
)
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger

POLICY = ReminderPolicy()
NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
TODAY = date(2030, 3, 1)
ACTOR = Actor(id="u", name="Kari", role="coordinator")


def moved(state: MunicipalityState, stage: Stage, trigger: Trigger, on: date) -> None:
    state.stage = stage
    follow_obligations(state, POLICY, trigger, on, now=NOW)


def status(state: MunicipalityState, obligation: Trigger) -> ObligationStatus:
    return state.obligations[obligation.value].status


def deadline(obligation: str, on: date) -> DeadlineCommand:
    return DeadlineCommand(obligation_id=obligation, deadline=on, reason="council", actor=ACTOR)


def fresh() -> MunicipalityState:
    return MunicipalityState(
        municipality=Municipality(number="8901", name="Testby", county="T", health_trust="HF")
    )


def test_obligations_open_close_pause_and_resume_with_the_stage() -> None:
    state = fresh()
    moved(state, Stage.COLLABORATION_SIGNED, Trigger.SIGN_COLLABORATION, TODAY)
    assert status(state, Trigger.EXERCISE_OPTION) is ObligationStatus.OPEN
    assert state.obligations["exercise_option"].deadline is None  # the program sets it

    option = open_obligation(
        state, POLICY, deadline("exercise_option", date(2030, 6, 3)), today=TODAY
    )
    option.deadline = date(2030, 6, 3)
    assert next_message_at(state, POLICY) is not None

    state.paused_from = Stage.COLLABORATION_SIGNED
    moved(state, Stage.PAUSED, Trigger.PAUSE, date(2030, 3, 10))
    assert status(state, Trigger.EXERCISE_OPTION) is ObligationStatus.PAUSED
    moved(state, Stage.COLLABORATION_SIGNED, Trigger.RESUME, date(2030, 4, 9))
    # Thirty days paused do not count against the deadline.
    assert state.obligations["exercise_option"].deadline == date(2030, 7, 3)

    moved(state, Stage.OPTION_EXERCISED, Trigger.EXERCISE_OPTION, date(2030, 5, 2))
    assert status(state, Trigger.EXERCISE_OPTION) is ObligationStatus.FULFILLED
    assert status(state, Trigger.SIGN_SERVICE_AGREEMENT) is ObligationStatus.OPEN
    views = {v.id: v for v in obligation_views(state, POLICY, NOW)}
    assert views["exercise_option"].closed_on == date(2030, 5, 2)
    assert views["exercise_option"].pending == []


def test_a_deadline_is_set_only_on_a_known_open_obligation_and_not_in_the_past() -> None:
    state = fresh()
    moved(state, Stage.COLLABORATION_SIGNED, Trigger.SIGN_COLLABORATION, TODAY)
    with pytest.raises(RequestRejected) as unknown:
        open_obligation(state, POLICY, deadline("bake_cake", date(2030, 6, 3)), today=TODAY)
    assert unknown.value.field == "obligation_id"
    with pytest.raises(RequestRejected) as past:
        open_obligation(state, POLICY, deadline("exercise_option", date(2030, 2, 1)), today=TODAY)
    assert past.value.field == "deadline"
    with pytest.raises(ObligationNotOpen):
        open_obligation(
            state, POLICY, deadline("sign_service_agreement", date(2030, 6, 3)), today=TODAY
        )
