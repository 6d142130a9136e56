"""A municipality's transitions planned and applied without a workflow (pure)."""

from datetime import UTC, date, datetime

import pytest

from onboarding.domain.errors import InvalidEffectiveDate, InvalidEvidence, TransitionRefused
from onboarding.domain.parties.models import TransitionCommand, WaveMembership
from onboarding.domain.parties.transitions import (
    apply_transition,
    municipality_view,
    plan_transition,
    process_context,
)
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from tests.domain.builders import ACTOR, RUN, municipality_state

POLICY = ReminderPolicy()
# 23:30 UTC on 1 March is already 2 March in Oslo.
NOW = datetime(2030, 3, 1, 23, 30, tzinfo=UTC)
OSLO_TODAY = date(2030, 3, 2)
SIGNED = {"agreement_version": "2022", "document_ref": "doc-1"}


def command(trigger: Trigger, **fields: object) -> TransitionCommand:
    return TransitionCommand.model_validate({"trigger": trigger, "actor": ACTOR, **fields})


def test_a_plan_is_the_record_the_transition_would_make() -> None:
    state = municipality_state()
    record = plan_transition(
        state, POLICY, command(Trigger.SIGN_COLLABORATION, evidence=SIGNED), now=NOW, **RUN
    )
    assert (record.seq, record.from_stage, record.to_stage) == (
        1,
        Stage.PROSPECTIVE,
        Stage.COLLABORATION_SIGNED,
    )
    assert record.effective_on == OSLO_TODAY  # today in Europe/Oslo, not in UTC
    assert record.recorded_at == NOW
    assert (record.workflow_id, record.run_id) == ("municipality-8901", "run-1")
    assert state.stage is Stage.PROSPECTIVE and state.seq == 0  # planning changes nothing


def test_a_plan_refuses_the_wrong_stage_a_future_date_and_missing_evidence() -> None:
    state = municipality_state()
    with pytest.raises(TransitionRefused) as refused:
        plan_transition(state, POLICY, command(Trigger.GO_LIVE), now=NOW, **RUN)
    assert refused.value.allowed_triggers == ["sign_collaboration", "withdraw"]
    with pytest.raises(InvalidEffectiveDate):
        plan_transition(
            state,
            POLICY,
            command(Trigger.SIGN_COLLABORATION, evidence=SIGNED, effective_on=date(2030, 3, 3)),
            now=NOW,
            **RUN,
        )
    unchecked = command(Trigger.SIGN_COLLABORATION, evidence=SIGNED)
    unchecked.evidence = {}
    with pytest.raises(InvalidEvidence):
        plan_transition(state, POLICY, unchecked, now=NOW, **RUN)


def test_approve_go_live_waits_for_the_guard_s_conditions() -> None:
    state = municipality_state(Stage.SERVICE_AGREEMENT_SIGNED, readiness_guard=True)
    assert "not a member of a production wave" in process_context(state, POLICY).go_live_blockers
    with pytest.raises(TransitionRefused) as refused:
        plan_transition(state, POLICY, command(Trigger.APPROVE_GO_LIVE), now=NOW, **RUN)
    assert "not a member of a production wave" in refused.value.missing_conditions
    state.readiness_guard = False  # the bare process: no conditions
    assert process_context(state, POLICY).go_live_blockers == ()
    plan_transition(state, POLICY, command(Trigger.APPROVE_GO_LIVE), now=NOW, **RUN)


def test_applying_a_pause_and_a_resume_remembers_where_it_paused_from() -> None:
    state = municipality_state(Stage.PREPARING, seq=4)
    pause = plan_transition(
        state, POLICY, command(Trigger.PAUSE, evidence={"reason": "election"}), now=NOW, **RUN
    )
    apply_transition(state, pause)
    assert (state.stage, state.paused_from, state.seq) == (Stage.PAUSED, Stage.PREPARING, 5)
    assert state.last_transition == pause and state.records == [pause]
    resume = plan_transition(state, POLICY, command(Trigger.RESUME), now=NOW, **RUN)
    apply_transition(state, resume)
    assert (state.stage, state.paused_from, state.seq) == (Stage.PREPARING, None, 6)
    assert state.records == [pause, resume]


def test_the_view_shows_the_stage_what_is_allowed_and_the_wave() -> None:
    go_live_at = datetime(2030, 10, 25, 22, tzinfo=UTC)
    state = municipality_state(Stage.SERVICE_AGREEMENT_SIGNED, readiness_guard=True)
    state.wave = WaveMembership(wave_id="w1", go_live_at=go_live_at, seq=1, joined_at=NOW)
    view = municipality_view(state, POLICY)
    assert (view.number, view.name, view.stage) == (
        "8901",
        "Testby",
        Stage.SERVICE_AGREEMENT_SIGNED,
    )
    assert (view.wave_id, view.go_live_at) == ("w1", go_live_at)
    assert Trigger.APPROVE_GO_LIVE not in view.allowed_triggers  # the checklist is not done
    assert view.go_live_blockers and all("checklist item" in b for b in view.go_live_blockers)
