"""Pure wave logic: wave-relative deadlines, arming the checklist, the go-live guard, policy."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from onboarding.domain.actor import Actor
from onboarding.domain.checklist import DEFAULT_CHECKLIST, go_live_date, wave_relative_deadline
from onboarding.domain.errors import NotEligible, RequestRejected
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.schedule import Obligation, ObligationStatus, pending
from onboarding.domain.parties.models import ChecklistCompletion, MunicipalityState, WaveMembership
from onboarding.domain.parties.transitions import go_live_blockers
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.membership import check_joinable, membership_result
from onboarding.domain.waves.models import ChecklistCommand, JoinWaveCommand
from onboarding.domain.waves.readiness import (
    already_done,
    arm_checklist,
    check_item,
    checklist_view,
    complete_item,
    disarm_checklist,
)

OSLO = ZoneInfo("Europe/Oslo")
POLICY = ReminderPolicy()
ACTOR = Actor(id="u", name="Kari", role="coordinator")
NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
TODAY = date(2030, 6, 1)


def state(stage: Stage = Stage.PREPARING, *, at: datetime | None = None) -> MunicipalityState:
    s = MunicipalityState(
        municipality=Municipality(
            number="8901", name="Testby", county="Trøndelag", health_trust="HF"
        ),
        stage=stage,
        readiness_guard=True,
    )
    s.obligations[Trigger.SIGN_SERVICE_AGREEMENT.value] = Obligation(
        id="sign_service_agreement", label="Sign", opened_on=date(2030, 1, 1)
    )
    if at is not None:
        s.wave = WaveMembership(wave_id="w", go_live_at=at, seq=1, joined_at=NOW)
    return s


def test_the_go_live_date_is_the_local_date_of_the_cutover() -> None:
    # Saturday 00:30 in Oslo is still Friday in UTC: the local date counts.
    cutover = datetime(2031, 4, 26, 0, 30, tzinfo=OSLO)
    assert cutover.astimezone(UTC).date() == date(2031, 4, 25)
    assert go_live_date(cutover, "Europe/Oslo") == date(2031, 4, 26)
    assert wave_relative_deadline(cutover, 7, "Europe/Oslo") == date(2031, 4, 19)


def test_the_default_template_is_the_issues() -> None:
    assert [(r.id.value, r.days_before_go_live) for r in DEFAULT_CHECKLIST] == [
        ("technical_infrastructure", 120),
        ("integrations_tested", 90),
        ("super_users_trained", 75),
        ("end_user_training_started", 60),
        ("data_migration_rehearsed", 30),
        ("go_no_go_meeting", 7),
    ]
    assert POLICY.service_agreement_days_before_go_live == 120


def test_arming_gives_wave_relative_deadlines_and_passes_over_the_past() -> None:
    s = state(at=datetime(2030, 10, 25, 22, tzinfo=OSLO))  # Fri
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    deadlines = {i: s.obligations[i].deadline for i in [r.id.value for r in DEFAULT_CHECKLIST]}
    assert deadlines == {
        "technical_infrastructure": date(2030, 6, 27),
        "integrations_tested": date(2030, 7, 27),
        "super_users_trained": date(2030, 8, 11),
        "end_user_training_started": date(2030, 8, 26),
        "data_migration_rehearsed": date(2030, 9, 25),
        "go_no_go_meeting": date(2030, 10, 18),
    }
    assert s.obligations["sign_service_agreement"].deadline == date(2030, 6, 27)
    # T-120 is Thu 2030-06-27: its 60- and 30-day reminders (Fri 04-26, Tue 05-28) are
    # gone by 2030-06-01 and passed over, not sent late; the 7-day one (06-20) is to come.
    infra = s.obligations["technical_infrastructure"]
    assert infra.done == ["2030-06-27:reminder-60d", "2030-06-27:reminder-30d"]


def test_moving_back_to_a_date_does_not_resend_what_went_out_for_it() -> None:
    first = datetime(2030, 10, 25, 22, tzinfo=OSLO)
    s = state(at=first)
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    infra = s.obligations["technical_infrastructure"]
    infra.done.append("2030-06-27:reminder-7d")  # as if it went out
    assert s.wave is not None
    s.wave.go_live_at = first + timedelta(days=70)
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    s.wave.go_live_at = first
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    assert infra.deadline == date(2030, 6, 27)
    assert infra.done.count("2030-06-27:reminder-7d") == 1
    assert "reminder-7d" not in [m.message_key for m in pending(infra, POLICY)]


def test_done_items_stay_done_and_leaving_cancels_only_open_ones() -> None:
    s = state(at=datetime(2031, 4, 25, 22, tzinfo=OSLO))
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    complete_item(
        s,
        ChecklistCompletion(
            item="integrations_tested", done_on=TODAY, evidence={}, actor=ACTOR, recorded_at=NOW
        ),
    )
    assert s.wave is not None
    s.wave.go_live_at = datetime(2031, 10, 24, 22, tzinfo=OSLO)
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    assert s.obligations["integrations_tested"].status is ObligationStatus.FULFILLED
    assert s.obligations["integrations_tested"].closed_on == TODAY
    disarm_checklist(s, POLICY, on=TODAY)
    assert s.obligations["integrations_tested"].status is ObligationStatus.FULFILLED
    assert s.obligations["go_no_go_meeting"].status is ObligationStatus.CANCELLED


def test_a_paused_member_gets_paused_items() -> None:
    s = state(Stage.PAUSED, at=datetime(2031, 4, 25, 22, tzinfo=OSLO))
    s.paused_from = Stage.PREPARING
    arm_checklist(s, POLICY, today=TODAY, now=NOW)
    assert {s.obligations[r.id.value].status for r in DEFAULT_CHECKLIST} == {
        ObligationStatus.PAUSED
    }


def test_blockers_in_order_and_only_with_the_guard_on() -> None:
    s = state(Stage.SERVICE_AGREEMENT_SIGNED)
    assert go_live_blockers(s, POLICY)[:2] == [
        "not a member of a production wave",
        "checklist item technical_infrastructure not done",
    ]
    paused = state(Stage.PAUSED)
    paused.paused_from = Stage.SERVICE_AGREEMENT_SIGNED
    assert "service agreement not signed" not in go_live_blockers(paused, POLICY)
    assert go_live_blockers(state(Stage.PREPARING), POLICY)[0] == "service agreement not signed"
    s.readiness_guard = None
    assert go_live_blockers(s, POLICY) == []


def test_a_policy_may_change_the_template_but_not_repeat_an_item() -> None:
    custom = ReminderPolicy.model_validate(
        {"checklist": [{"id": "go_no_go_meeting", "label": "Go/no-go", "days_before_go_live": 14}]}
    )
    assert custom.checklist_rule("go_no_go_meeting") is not None
    assert custom.checklist_rule("technical_infrastructure") is None
    twice = {"id": "go_no_go_meeting", "label": "x", "days_before_go_live": 7}
    with pytest.raises(ValidationError, match="checklist item may be defined once"):
        ReminderPolicy.model_validate({"checklist": [twice, twice]})


def checklist_command(item: str, done_on: date | None = None) -> ChecklistCommand:
    return ChecklistCommand(item=item, done_on=done_on, actor=ACTOR)


def test_an_item_is_checked_against_the_template_the_wave_and_the_calendar() -> None:
    member = state(at=NOW + timedelta(days=200))
    item = "integrations_tested"
    assert check_item(member, POLICY, checklist_command(item), today=TODAY) == TODAY
    backdated = checklist_command(item, TODAY - timedelta(days=3))
    assert check_item(member, POLICY, backdated, today=TODAY) == TODAY - timedelta(days=3)
    for command, where, field in [
        (checklist_command("coffee_made"), member, "item"),
        (checklist_command(item), state(), "item"),  # in no wave
        (checklist_command(item, TODAY + timedelta(days=1)), member, "done_on"),
    ]:
        with pytest.raises(RequestRejected) as refused:
            check_item(where, POLICY, command, today=TODAY)
        assert refused.value.field == field


def test_an_item_done_is_never_rewritten_a_repeat_changes_nothing() -> None:
    member = state(at=NOW + timedelta(days=200))
    item = "integrations_tested"
    assert not already_done(member, checklist_command(item))
    member.checklist_done[item] = ChecklistCompletion(
        item=item, done_on=date(2030, 5, 2), evidence={}, actor=ACTOR, recorded_at=NOW
    )
    assert already_done(member, checklist_command(item))
    assert already_done(member, checklist_command(item, date(2030, 5, 2)))
    with pytest.raises(RequestRejected, match="never rewritten"):
        already_done(member, checklist_command(item, date(2030, 5, 3)))
    view = checklist_view(member, POLICY)
    assert [i.id for i in view.items] == [r.id.value for r in DEFAULT_CHECKLIST]
    assert next(i for i in view.items if i.id == item).done is not None
    assert view.wave_id == "w"


def test_joining_needs_a_wave_stage_and_a_move_needs_a_reason() -> None:
    join = JoinWaveCommand(wave_id="w2", go_live_at=NOW, actor=ACTOR)
    check_joinable(state(Stage.OPTION_EXERCISED), join)
    with pytest.raises(NotEligible):
        check_joinable(state(Stage.COLLABORATION_SIGNED), join)
    in_a_wave = state(at=NOW + timedelta(days=200))
    with pytest.raises(RequestRejected) as refused:
        check_joinable(in_a_wave, join)
    assert refused.value.field == "reason"
    check_joinable(in_a_wave, join.model_copy(update={"reason": "council postponed"}))
    assert membership_result(in_a_wave, member=True, previous_wave="w").seq == 1
