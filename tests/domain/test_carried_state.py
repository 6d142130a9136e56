"""What a party carries into its next run stays under the payload limit, however long its road.

The workflow's side (the patch, a long road on a real server) is in
tests/workflows/test_long_roads.py; here the rule itself, on states built
by the same functions the workflow runs.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from onboarding.domain.actor import Actor
from onboarding.domain.errors import RequestRejected
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.carried import (
    ANSWERS_KEPT_AT_LEAST,
    BYTES_CARRIED,
    RECORDS_CARRIED,
    bound_for_next_run,
    correctable,
)
from onboarding.domain.parties.correction_records import CorrectionCommand
from onboarding.domain.parties.corrections import apply_correction, plan_correction
from onboarding.domain.parties.models import MunicipalityState, TransitionCommand
from onboarding.domain.parties.transitions import (
    apply_transition,
    municipality_view,
    plan_transition,
    transition_answers,
)
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.reforms.apply import standing_of
from onboarding.domain.vocabulary import Stage, Trigger

ACTOR = Actor(id="kari", name="Kari Koordinator", role="coordinator")
POLICY = ReminderPolicy()
START = datetime(2024, 1, 8, 9, tzinfo=UTC)
RUN = {"workflow_id": "municipality-5001", "run_id": "run-1"}
EVIDENCE = {
    Trigger.SIGN_COLLABORATION: {"agreement_version": "2024", "document_ref": "ARK-1"},
    Trigger.REQUIRE_RESIGNATURE: {"agreement_version": "2025"},
    Trigger.EXERCISE_OPTION: {"case_ref": "2024/77"},
    Trigger.PAUSE: {"reason": "the council asked for time"},
}
ROAD = (
    Trigger.SIGN_COLLABORATION,
    Trigger.REQUIRE_RESIGNATURE,
    Trigger.SIGN_COLLABORATION,
    Trigger.EXERCISE_OPTION,
)
# The longest comment a transition takes, in letters UTF-8 spends two bytes on.
LONGEST_COMMENT = "ø" * 4000


def walked(pauses: int, *, comment: str | None = None) -> MunicipalityState:
    """Trondheim along its road, then paused and resumed `pauses` times, one a day.

    Every transition carries an idempotency key, and its answer is kept as the
    workflow keeps it (at most 200).
    """
    state = MunicipalityState(
        municipality=Municipality(
            number="5001", name="Trondheim", county="Trøndelag", health_trust="St. Olavs HF"
        ),
        records_complete=True,
    )
    answers = transition_answers(state, kept=200)
    triggers = [*ROAD, *[Trigger.PAUSE, Trigger.RESUME] * pauses]
    for day, trigger in enumerate(triggers):
        now = START + timedelta(days=day)
        command = TransitionCommand(
            trigger=trigger,
            evidence=EVIDENCE.get(trigger, {}),
            comment=comment,
            idempotency_key=f"key-{day}",
            actor=ACTOR,
        )
        record = plan_transition(state, POLICY, command, now=now, **RUN)
        apply_transition(state, record)
        answers.remember(command, municipality_view(state, POLICY))
    return state


def test_a_short_road_is_carried_whole() -> None:
    state = walked(40)
    before = state.model_copy(deep=True)
    size = bound_for_next_run(state)
    assert state == before
    assert size == len(state.model_dump_json().encode())
    assert correctable(state) == state.records


def test_a_long_road_carries_the_newest_records_and_what_a_reform_reads_of_the_rest() -> None:
    state = walked(300)
    standing = standing_of(state)
    newest = state.records[-(RECORDS_CARRIED + 1) :]

    bound_for_next_run(state)

    assert state.records == newest
    assert correctable(state) == newest[1:]
    # The last of each trigger and stage moved, oldest first.
    earlier = [(r.trigger, r.to_stage, r.seq) for r in state.earlier_records]
    assert earlier == [
        (Trigger.REQUIRE_RESIGNATURE, Stage.RESIGNATURE_REQUIRED, 2),
        (Trigger.SIGN_COLLABORATION, Stage.COLLABORATION_SIGNED, 3),
        (Trigger.EXERCISE_OPTION, Stage.OPTION_EXERCISED, 4),
        (Trigger.RESUME, Stage.OPTION_EXERCISED, newest[0].seq - 2),
        (Trigger.PAUSE, Stage.PAUSED, newest[0].seq - 1),
    ]
    # A successor of a reform inherits the same: the latest signatures, every stage reached.
    after = standing_of(state)
    assert after.reached == standing.reached
    assert [a.trigger for a in after.signed] == [
        Trigger.SIGN_COLLABORATION,
        Trigger.EXERCISE_OPTION,
    ]
    assert after.signed == standing.signed[1:]
    # The stage, the last transition and every kept answer are what they were.
    assert (state.stage, state.last_transition) == (Stage.OPTION_EXERCISED, newest[-1])
    assert len(state.results_by_key) == 200


def test_a_second_bounding_moves_more_records_and_keeps_the_summary_short() -> None:
    state = walked(300)
    bound_for_next_run(state)
    for day in range(50):
        trigger = Trigger.PAUSE if day % 2 == 0 else Trigger.RESUME
        command = TransitionCommand(
            trigger=trigger, evidence=EVIDENCE.get(trigger, {}), actor=ACTOR
        )
        now = START + timedelta(days=1000 + day)
        apply_transition(state, plan_transition(state, POLICY, command, now=now, **RUN))

    bound_for_next_run(state)

    assert len(state.records) == RECORDS_CARRIED + 1
    assert state.records[-1].seq == 4 + 600 + 50
    assert len(state.earlier_records) == 5
    assert state.earlier_records[-1].seq == state.records[0].seq - 1


def test_long_comments_give_up_old_answers_before_records() -> None:
    state = walked(150, comment=LONGEST_COMMENT[:2000])
    assert len(state.model_dump_json().encode()) > 2 * 1024 * 1024  # Temporal would refuse it
    newest_key = list(state.results_by_key)[-1]

    size = bound_for_next_run(state)

    assert size == len(state.model_dump_json().encode()) <= BYTES_CARRIED
    assert newest_key in state.results_by_key
    assert ANSWERS_KEPT_AT_LEAST <= len(state.results_by_key) < 200
    # Every record a correction can reach fits beside the answers.
    assert len(state.records) == RECORDS_CARRIED + 1


def test_the_budget_takes_records_once_answers_are_down_to_the_newest() -> None:
    state = walked(150, comment=LONGEST_COMMENT)

    size = bound_for_next_run(state, budget=400_000)

    assert size == len(state.model_dump_json().encode()) <= 400_000
    assert len(state.results_by_key) == ANSWERS_KEPT_AT_LEAST
    assert 2 < len(state.records) < RECORDS_CARRIED + 1
    assert state.records[-1] == state.last_transition
    assert [r.seq for r in state.records] == list(
        range(state.records[0].seq, state.last_transition.seq + 1)
    )


def correction(target_seq: int, **fields: object) -> CorrectionCommand:
    return CorrectionCommand(
        event_id=1000 + target_seq,
        target_seq=target_seq,
        reason="recorded on the wrong day",
        actor=ACTOR,
        **fields,
    )


def plan(state: MunicipalityState, command: CorrectionCommand) -> None:
    record = plan_correction(
        state, command, today=date(2026, 1, 1), now=START + timedelta(days=1000), **RUN
    )
    apply_correction(state, record)


def test_a_correction_reaches_the_newest_carried_and_names_the_limit_for_older() -> None:
    state = walked(300)
    bound_for_next_run(state)
    anchor, first, last = state.records[0], state.records[1], state.records[-1]

    plan(state, correction(first.seq, evidence={"reason": "budget"}))
    assert state.records[1].evidence == {"reason": "budget"}

    for target in (anchor.seq, anchor.seq - 1, 2):
        with pytest.raises(RequestRejected) as refused:
            plan(state, correction(target, evidence={"reason": "x"}))
        assert refused.value.field == "event_id"
        assert f"older than the {RECORDS_CARRIED} newest transitions in force" in str(refused.value)

    plan(state, correction(last.seq, void=True))
    assert state.last_transition == state.records[-1]
    assert state.records[-1].seq == last.seq - 1
