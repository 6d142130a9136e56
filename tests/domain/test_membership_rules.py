"""A member's side of its wave without a workflow: joining, leaving, the date, go-live (pure)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onboarding.domain.actor import Actor
from onboarding.domain.errors import NotEligible, RequestRejected
from onboarding.domain.notifications import MessageKind
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import (
    ChecklistCompletion,
    MunicipalityState,
    TransitionRecord,
)
from onboarding.domain.parties.transitions import apply_transition
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.go_live import missed_go_live_message, plan_go_live
from onboarding.domain.waves.membership import (
    follow_wave,
    join_wave,
    leave_wave,
    move_wave_date,
    repeated_join,
)
from onboarding.domain.waves.models import (
    ChecklistCommand,
    GoLiveOutcome,
    JoinWaveCommand,
    LeaveWaveCommand,
    WaveDateCommand,
    WaveGoLiveCommand,
)
from onboarding.domain.waves.readiness import complete_checklist_item
from tests.domain.builders import ACTOR, RUN, municipality_state, transition_record, wave_info

OSLO = ZoneInfo("Europe/Oslo")
POLICY = ReminderPolicy()
NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
TODAY = date(2030, 6, 1)
GO_LIVE_AT = datetime(2030, 10, 25, 22, tzinfo=OSLO)
WAVE = Actor(id="wave:w1", name="wave W1", role="system")
ITEMS = [rule.id.value for rule in POLICY.checklist]


def fresh(stage: Stage = Stage.PREPARING) -> MunicipalityState:
    return municipality_state(stage, readiness_guard=True)


def join(wave_id: str, reason: str | None = None) -> JoinWaveCommand:
    return JoinWaveCommand(wave_id=wave_id, go_live_at=GO_LIVE_AT, reason=reason, actor=ACTOR)


def joined(state: MunicipalityState, wave_id: str = "w1") -> None:
    join_wave(state, POLICY, join(wave_id), now=NOW)


def test_joining_numbers_the_membership_and_arms_the_checklist() -> None:
    state = fresh()
    assert join_wave(state, POLICY, join("w1"), now=NOW) is None
    assert state.wave is not None
    assert (state.wave.wave_id, state.wave.seq, state.wave.joined_at) == ("w1", 1, NOW)
    assert {state.obligations[i].status for i in ITEMS} == {ObligationStatus.OPEN}
    assert repeated_join(state, join("w1")) is not None
    assert repeated_join(state, join("w2")) is None


def test_moving_needs_a_reason_and_answers_which_wave_it_left() -> None:
    state = fresh()
    joined(state)
    state.missed_go_live = "w1"
    with pytest.raises(RequestRejected) as no_reason:
        join_wave(state, POLICY, join("w2"), now=NOW)
    assert no_reason.value.field == "reason"
    left = join_wave(state, POLICY, join("w2", reason="capacity"), now=NOW)
    assert left is not None and left.wave_id == "w1"
    assert state.wave is not None
    assert (state.wave.wave_id, state.wave.seq, state.wave.moved_from) == ("w2", 2, "w1")
    assert state.missed_go_live is None
    # Its first answer lost, the wave asks again: still a move from w1.
    repeat = repeated_join(state, join("w2", reason="capacity"))
    assert repeat is not None and repeat.previous_wave == "w1" and repeat.seq == 2


def test_a_municipality_before_option_exercised_cannot_join() -> None:
    with pytest.raises(NotEligible):
        join_wave(fresh(Stage.COLLABORATION_SIGNED), POLICY, join("w1"), now=NOW)


def test_leaving_cancels_open_items_and_another_wave_s_leave_changes_nothing() -> None:
    state = fresh()
    joined(state)
    assert (
        leave_wave(state, POLICY, LeaveWaveCommand(wave_id="w2", actor=ACTOR), today=TODAY) is None
    )
    assert state.wave is not None
    left = leave_wave(state, POLICY, LeaveWaveCommand(wave_id="w1", actor=ACTOR), today=TODAY)
    assert left is not None and left.wave_id == "w1" and state.wave is None
    assert {state.obligations[i].status for i in ITEMS} == {ObligationStatus.CANCELLED}


def test_a_new_wave_date_moves_every_wave_relative_deadline() -> None:
    state = fresh()
    joined(state)
    before = state.obligations["go_no_go_meeting"].deadline
    later = WaveDateCommand(wave_id="w1", go_live_at=GO_LIVE_AT + timedelta(days=28))
    assert move_wave_date(state, POLICY, later, now=NOW)
    assert before is not None
    assert state.obligations["go_no_go_meeting"].deadline == before + timedelta(days=28)
    other = WaveDateCommand(wave_id="w2", go_live_at=GO_LIVE_AT)
    assert not move_wave_date(state, POLICY, other, now=NOW)


def transition_to(state: MunicipalityState, trigger: Trigger, to_stage: Stage) -> TransitionRecord:
    record = transition_record(trigger, state.stage, to_stage, TODAY, seq=state.seq + 1)
    apply_transition(state, record)
    return record


def test_declining_leaves_the_wave_and_a_pause_keeps_the_items_on_its_date() -> None:
    state = fresh()
    joined(state)
    pause = transition_to(state, Trigger.PAUSE, Stage.PAUSED)
    assert follow_wave(state, POLICY, pause, now=NOW) is None
    assert {state.obligations[i].status for i in ITEMS} == {ObligationStatus.PAUSED}
    decline = transition_to(state, Trigger.DECLINE, Stage.DECLINED)
    left = follow_wave(state, POLICY, decline, now=NOW)
    assert left is not None and left.wave_id == "w1" and state.wave is None
    assert {state.obligations[i].status for i in ITEMS} == {ObligationStatus.CANCELLED}
    assert follow_wave(state, POLICY, decline, now=NOW) is None  # in no wave


def go_live(wave_id: str = "w1") -> WaveGoLiveCommand:
    return WaveGoLiveCommand(wave_id=wave_id, effective_on=date(2030, 10, 25), actor=WAVE)


def test_go_live_for_a_ready_member_is_its_go_live_transition() -> None:
    state = fresh(Stage.READY)
    joined(state)
    plan = plan_go_live(state, POLICY, go_live(), now=GO_LIVE_AT, **RUN)
    assert plan.outcome is GoLiveOutcome.LIVE and plan.blockers == []
    assert plan.record is not None
    assert plan.record.comment == "went live with wave w1"
    assert (plan.record.trigger, plan.record.to_stage) == (Trigger.GO_LIVE, Stage.LIVE)
    assert plan.record.effective_on == date(2030, 10, 25)
    apply_transition(state, plan.record)
    assert plan.result(state).stage is Stage.LIVE


def test_go_live_for_a_member_not_ready_names_its_blockers_and_marks_it_missed() -> None:
    state = fresh(Stage.SERVICE_AGREEMENT_SIGNED)
    joined(state)
    state.checklist_done["go_no_go_meeting"] = ChecklistCompletion(
        item="go_no_go_meeting", done_on=TODAY, evidence={}, actor=ACTOR, recorded_at=NOW
    )
    plan = plan_go_live(state, POLICY, go_live(), now=GO_LIVE_AT, **RUN)
    assert plan.outcome is GoLiveOutcome.NOT_READY and plan.record is None
    assert plan.blockers == [f"checklist item {i} not done" for i in ITEMS[:-1]]
    assert state.missed_go_live == "w1"
    result = plan.result(state)
    assert (result.outcome, result.stage) == (
        GoLiveOutcome.NOT_READY,
        Stage.SERVICE_AGREEMENT_SIGNED,
    )


def test_go_live_without_blockers_but_refused_gives_the_refusal_as_blocker() -> None:
    state = fresh(Stage.PREPARING)
    state.readiness_guard = False
    joined(state)
    plan = plan_go_live(state, POLICY, go_live(), now=GO_LIVE_AT, **RUN)
    assert plan.outcome is GoLiveOutcome.NOT_READY
    assert plan.blockers == [
        "go_live is not allowed in stage preparing (allowed from preparing: "
        "decline, sign_service_agreement, pause, withdraw)"
    ]


def test_go_live_of_another_wave_or_a_live_member() -> None:
    state = fresh(Stage.READY)
    joined(state)
    assert plan_go_live(state, POLICY, go_live("w2"), now=GO_LIVE_AT, **RUN).outcome is (
        GoLiveOutcome.NOT_MEMBER
    )
    state.stage = Stage.LIVE
    live = plan_go_live(state, POLICY, go_live(), now=GO_LIVE_AT, **RUN)
    assert live.outcome is GoLiveOutcome.LIVE and live.record is None


def test_a_missed_go_live_escalates_to_the_top_of_the_ladder() -> None:
    state = fresh(Stage.PREPARING)
    joined(state)
    result = plan_go_live(state, POLICY, go_live(), now=GO_LIVE_AT, **RUN).result(state)
    wave = wave_info(GO_LIVE_AT)
    message = missed_go_live_message(wave, result, POLICY, timezone="Europe/Oslo")
    top = POLICY.escalation_ladder[-1]
    assert (message.kind, message.level, message.recipient_roles) == (
        MessageKind.ESCALATION,
        top.level,
        list(top.recipients),
    )
    assert message.message_key == "missed-go-live-w1"
    assert message.deadline == date(2030, 10, 25)  # the local date of the cutover
    assert message.obligation_label == "Go-live with wave Autumn (missed: not ready)"


def test_completing_an_item_records_who_and_when_and_fulfils_it() -> None:
    state = fresh()
    joined(state)
    command = ChecklistCommand(
        item="integrations_tested", evidence={"ref": "t-1"}, comment="all green", actor=ACTOR
    )
    completion = complete_checklist_item(state, POLICY, command, now=NOW)
    assert (completion.done_on, completion.actor, completion.recorded_at) == (TODAY, ACTOR, NOW)
    assert completion.evidence == {"ref": "t-1"} and completion.comment == "all green"
    assert state.checklist_done["integrations_tested"] == completion
    assert state.obligations["integrations_tested"].status is ObligationStatus.FULFILLED
    tomorrow = command.model_copy(update={"item": "go_no_go_meeting", "done_on": date(2030, 6, 2)})
    with pytest.raises(RequestRejected) as future:
        complete_checklist_item(state, POLICY, tomorrow, now=NOW)
    assert future.value.field == "done_on"
    assert "go_no_go_meeting" not in state.checklist_done
