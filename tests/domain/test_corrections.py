"""Corrections planned and applied on a municipality's state, without a workflow."""

from datetime import UTC, date, datetime

import pytest

from onboarding.domain.actor import Actor
from onboarding.domain.errors import InvalidEffectiveDate, RequestRejected
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.correction_records import (
    CorrectionCommand,
    CorrectionKind,
    CorrectionRecord,
)
from onboarding.domain.parties.corrections import apply_correction, plan_correction
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.vocabulary import Stage, Trigger

ACTOR = Actor(id="test", name="Test", role="coordinator")
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
TODAY = date(2024, 6, 1)
ROAD = [
    (Trigger.SIGN_COLLABORATION, Stage.PROSPECTIVE, Stage.COLLABORATION_SIGNED, date(2021, 3, 1)),
    (
        Trigger.EXERCISE_OPTION,
        Stage.COLLABORATION_SIGNED,
        Stage.OPTION_EXERCISED,
        date(2021, 5, 20),
    ),
    (Trigger.PAUSE, Stage.OPTION_EXERCISED, Stage.PAUSED, date(2023, 3, 24)),
]
EVIDENCE = {
    Trigger.SIGN_COLLABORATION: {"agreement_version": "2021", "document_ref": "ARK-1"},
    Trigger.EXERCISE_OPTION: {"case_ref": "2021/77"},
    Trigger.PAUSE: {"reason": "council asked for time"},
}


def state() -> MunicipalityState:
    """Stjørdal, paused after exercising the option: three records in force."""
    records = [
        TransitionRecord(
            seq=seq,
            trigger=trigger,
            from_stage=before,
            to_stage=after,
            effective_on=on,
            evidence=EVIDENCE[trigger],
            comment=None,
            actor=ACTOR,
            recorded_at=NOW,
            idempotency_key=None,
            workflow_id="municipality-5035",
            run_id="run-1",
        )
        for seq, (trigger, before, after, on) in enumerate(ROAD, start=1)
    ]
    return MunicipalityState(
        municipality=Municipality(
            number="5035", name="Stjørdal", county="Trøndelag", health_trust="HNT"
        ),
        stage=Stage.PAUSED,
        paused_from=Stage.OPTION_EXERCISED,
        seq=3,
        last_transition=records[-1],
        records=records,
        records_complete=True,
    )


def command(target_seq: int, **fields: object) -> CorrectionCommand:
    return CorrectionCommand(
        event_id=100 + target_seq, target_seq=target_seq, reason="wrong date", actor=ACTOR, **fields
    )


def plan(current: MunicipalityState, correction: CorrectionCommand) -> CorrectionRecord:
    return plan_correction(
        current, correction, today=TODAY, now=NOW, workflow_id="municipality-5035", run_id="run-2"
    )


def test_voiding_the_last_transition_returns_to_where_it_began() -> None:
    current = state()
    record = plan(current, command(3, void=True))
    assert (record.kind, record.seq, record.stage_after) == (
        CorrectionKind.VOID,
        4,
        Stage.OPTION_EXERCISED,
    )
    voided = apply_correction(current, record)
    assert voided is not None and voided.trigger is Trigger.PAUSE
    assert (current.stage, current.paused_from, current.seq) == (Stage.OPTION_EXERCISED, None, 4)
    assert current.last_transition is not None and current.last_transition.seq == 2


def test_a_transition_decided_under_another_version_cannot_be_voided() -> None:
    current = state()
    current.process_version = 2  # migrated since the pause was recorded (under version 1)
    with pytest.raises(RequestRejected) as refused:
        plan(current, command(3, void=True))
    assert refused.value.field == "event_id" and "version 1" in refused.value.message
    # An amendment is checked against the rules of the version that decided it.
    amended = plan(current, command(2, effective_on=date(2021, 5, 26)))
    assert amended.effective_on_after == date(2021, 5, 26)


def test_an_amendment_keeps_the_stage_and_replaces_the_record_in_force() -> None:
    current = state()
    record = plan(current, command(2, effective_on=date(2021, 5, 26)))
    assert (record.effective_on_before, record.effective_on_after) == (
        date(2021, 5, 20),
        date(2021, 5, 26),
    )
    assert apply_correction(current, record) is None
    assert current.stage is Stage.PAUSED
    assert [r.effective_on for r in current.records] == [
        date(2021, 3, 1),
        date(2021, 5, 26),
        date(2023, 3, 24),
    ]


@pytest.mark.parametrize(
    ("correction", "error", "field", "says"),
    [
        (command(2, void=True), RequestRejected, "event_id", "only the last transition"),
        (command(2, effective_on=date(2024, 6, 2)), InvalidEffectiveDate, "effective_on", "future"),
        (command(2, effective_on=date(2021, 2, 1)), InvalidEffectiveDate, "effective_on", "before"),
        (command(2, effective_on=date(2023, 4, 1)), InvalidEffectiveDate, "effective_on", "after"),
        (command(2, evidence={"case_ref": "2021/77"}), RequestRejected, "evidence", "nothing"),
        (command(9, void=True), RequestRejected, "event_id", "not in force"),
    ],
)
def test_refusals_name_the_field_and_change_nothing(
    correction: CorrectionCommand, error: type[RequestRejected], field: str, says: str
) -> None:
    current = state()
    before = current.model_copy(deep=True)
    with pytest.raises(error) as refused:
        plan(current, correction)
    assert refused.value.field == field
    assert says in str(refused.value)
    assert current == before


def test_a_workflow_without_its_earlier_records_refuses_corrections() -> None:
    current = state().model_copy(update={"records_complete": False})
    with pytest.raises(RequestRejected, match="predates corrections"):
        plan(current, command(3, void=True))
