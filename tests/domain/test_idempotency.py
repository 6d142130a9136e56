"""Idempotency without a server: a repeat gets its first answer, a reused key is refused."""

from datetime import UTC, date, datetime

import pytest

from onboarding.domain.errors import RequestRejected
from onboarding.domain.idempotency import FirstAnswers
from onboarding.domain.obligations.models import DeadlineCommand, ObligationView
from onboarding.domain.obligations.schedule import Obligation, ObligationStatus
from onboarding.domain.parties.correction_records import (
    CorrectionCommand,
)
from onboarding.domain.parties.corrections import correction_answers
from onboarding.domain.parties.deadlines import deadline_answers, repeated_deadline
from onboarding.domain.parties.models import (
    CorrectionResult,
    MunicipalityState,
    MunicipalityView,
    TransitionCommand,
)
from onboarding.domain.parties.obligations import obligation_view
from onboarding.domain.parties.transitions import municipality_view, transition_answers
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from tests.domain.builders import ACTOR, municipality_state, transition_record, void_record

POLICY = ReminderPolicy()
NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)


EVIDENCE = {
    Trigger.SIGN_COLLABORATION: {"agreement_version": "2022", "document_ref": "doc-1"},
    Trigger.EXERCISE_OPTION: {"case_ref": "case-1"},
}


def transition(trigger: Trigger, key: str | None) -> TransitionCommand:
    return TransitionCommand(
        trigger=trigger, evidence=EVIDENCE[trigger], idempotency_key=key, actor=ACTOR
    )


def view_after(trigger: Trigger) -> MunicipalityView:
    signed = transition_record(
        trigger, Stage.PROSPECTIVE, Stage.COLLABORATION_SIGNED, date(2030, 3, 1)
    )
    return municipality_view(municipality_state(last_transition=signed), POLICY)


def test_a_repeat_gets_its_first_answer_and_a_new_key_none() -> None:
    answers: dict[str, str] = {}
    first = FirstAnswers[TransitionCommand, str](
        answers, kept=10, asked_for=lambda c: f"{c.trigger}", answered=lambda a: a.split("@")[0]
    )
    sign = transition(Trigger.SIGN_COLLABORATION, "k1")
    assert first.repeat(sign) is None
    first.remember(sign, "sign_collaboration@first")
    assert first.repeat(sign) == "sign_collaboration@first"
    assert first.repeat(transition(Trigger.SIGN_COLLABORATION, "k2")) is None
    assert answers == {"k1": "sign_collaboration@first"}  # the state's own dict


def test_a_request_without_a_key_is_never_a_repeat_nor_kept() -> None:
    answers: dict[str, MunicipalityView] = {}
    state = municipality_state(results_by_key=answers)
    kept = transition_answers(state, kept=10)
    sign = transition(Trigger.SIGN_COLLABORATION, None)
    kept.remember(sign, view_after(Trigger.SIGN_COLLABORATION))
    assert kept.repeat(transition(Trigger.SIGN_COLLABORATION, None)) is None
    assert state.results_by_key == {}


def test_a_key_used_for_another_trigger_is_refused_with_the_first_one_named() -> None:
    state = municipality_state()
    answers = transition_answers(state, kept=10)
    answers.remember(
        transition(Trigger.SIGN_COLLABORATION, "k"), view_after(Trigger.SIGN_COLLABORATION)
    )
    assert answers.repeat(transition(Trigger.SIGN_COLLABORATION, "k")) is not None
    with pytest.raises(RequestRejected) as reused:
        answers.repeat(transition(Trigger.EXERCISE_OPTION, "k"))
    assert reused.value.field == "idempotency_key"
    assert reused.value.message == "'k' was already used for sign_collaboration; use a new key"


def test_answers_are_bounded_oldest_first() -> None:
    state = municipality_state()
    answers = transition_answers(state, kept=2)
    view = view_after(Trigger.SIGN_COLLABORATION)
    for key in ("a", "b", "c"):
        answers.remember(transition(Trigger.SIGN_COLLABORATION, key), view)
    assert list(state.results_by_key) == ["b", "c"]


def correction(event_id: int, key: str) -> CorrectionCommand:
    return CorrectionCommand(
        event_id=event_id,
        target_seq=1,
        reason="typo",
        void=True,
        idempotency_key=key,
        actor=ACTOR,
    )


def test_a_correction_key_is_for_one_event() -> None:
    state = municipality_state()
    answers = correction_answers(state, kept=5)
    signed = transition_record(
        Trigger.SIGN_COLLABORATION, Stage.PROSPECTIVE, Stage.COLLABORATION_SIGNED, date(2030, 3, 1)
    )
    record = void_record(signed, seq=2, event_id=7)
    view = view_after(Trigger.SIGN_COLLABORATION)
    result = CorrectionResult(correction=record, municipality=view)
    answers.remember(correction(7, "fix"), result)
    assert answers.repeat(correction(7, "fix")) == result
    with pytest.raises(RequestRejected, match="'fix' was already used for event 7"):
        answers.repeat(correction(8, "fix"))


def deadline(obligation: str, on: date, key: str | None) -> DeadlineCommand:
    return DeadlineCommand(
        obligation_id=obligation, deadline=on, reason="council", idempotency_key=key, actor=ACTOR
    )


def with_option(deadline_on: date) -> MunicipalityState:
    state = municipality_state(Stage.COLLABORATION_SIGNED)
    state.obligations["exercise_option"] = Obligation(
        id="exercise_option", label="Exercise", opened_on=date(2030, 1, 1), deadline=deadline_on
    )
    return state


def test_a_repeated_deadline_gets_its_first_answer_not_the_current_view() -> None:
    state = with_option(date(2030, 6, 3))
    first = obligation_view(state.obligations["exercise_option"], POLICY, NOW)
    deadline_answers(state, kept=5).remember(
        deadline("exercise_option", date(2030, 6, 3), "d1"), first
    )
    # Someone moves the deadline again, with another key.
    state.obligations["exercise_option"].deadline = date(2030, 9, 1)
    repeat = deadline("exercise_option", date(2030, 6, 3), "d1")
    answer = repeated_deadline(state, POLICY, repeat, kept=5, now=NOW)
    assert answer == first
    assert answer is not None and answer.deadline == date(2030, 6, 3)
    new = deadline("exercise_option", date(2030, 6, 3), "d2")
    assert repeated_deadline(state, POLICY, new, kept=5, now=NOW) is None


def test_a_deadline_key_is_for_one_obligation() -> None:
    state = with_option(date(2030, 6, 3))
    first = obligation_view(state.obligations["exercise_option"], POLICY, NOW)
    deadline_answers(state, kept=5).remember(
        deadline("exercise_option", date(2030, 6, 3), "d1"), first
    )
    other = deadline("sign_service_agreement", date(2030, 6, 3), "d1")
    with pytest.raises(RequestRejected, match="'d1' was already used for obligation exercise"):
        repeated_deadline(state, POLICY, other, kept=5, now=NOW)


def test_a_key_kept_by_an_older_run_is_answered_with_the_current_view() -> None:
    # A state carried over from before first answers were kept: the key only.
    old = with_option(date(2030, 6, 3)).model_dump(mode="json")
    del old["deadline_answers"]
    old["deadline_keys"] = ["d-old"]
    state = MunicipalityState.model_validate(old)
    assert state.deadline_answers == {}
    repeat = deadline("exercise_option", date(2030, 6, 3), "d-old")
    answer = repeated_deadline(state, POLICY, repeat, kept=5, now=NOW)
    assert isinstance(answer, ObligationView)
    assert answer.status is ObligationStatus.OPEN and answer.deadline == date(2030, 6, 3)
    # Without the obligation there is nothing to answer with: a new request.
    del state.obligations["exercise_option"]
    assert repeated_deadline(state, POLICY, repeat, kept=5, now=NOW) is None
