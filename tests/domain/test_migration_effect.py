"""A migration applied to one party's state, with no server: version, stage, obligations, timers.

The workflow's preview query and migrate update both run `migrate`; these
tests pin down what it does, so the dry-run the admin reads is the apply.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from onboarding.domain.errors import RequestRejected
from onboarding.domain.migrations.apply import migrate
from onboarding.domain.obligations.schedule import Obligation, ObligationStatus, pending
from onboarding.domain.parties.process import fit_policy
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.migration_plan import (
    MigrationPlan,
    TimerChange,
)
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.vocabulary import Stage, Trigger
from tests.domain.builders import municipality_state

V1 = process_definition(MUNICIPALITY, 1)
V2 = process_definition(MUNICIPALITY, 2)
NOW = datetime(2030, 9, 2, 5, tzinfo=UTC)  # 07:00 in Oslo, before the day's messages
TODAY = date(2030, 9, 2)


def preparing_on_v1(deadline_in: int) -> tuple[object, ReminderPolicy]:
    state = municipality_state(
        Stage.PREPARING,
        process_version=1,
        obligations={
            "sign_service_agreement": Obligation(
                id="sign_service_agreement",
                label="Sign the service agreement",
                opened_on=TODAY - timedelta(days=30),
                deadline=TODAY + timedelta(days=deadline_in),
            )
        },
    )
    return state, fit_policy(V1, ReminderPolicy())


def plan(**fields: object) -> MigrationPlan:
    return MigrationPlan.model_validate({"id": "move-1", "to_version": 2, "reason": "v2", **fields})


def test_v1_to_v2_moves_the_version_and_the_obligations_with_their_timers() -> None:
    state, policy = preparing_on_v1(deadline_in=100)
    after, new_policy, effect = migrate(state, policy, plan(), now=NOW)  # type: ignore[arg-type]
    assert (after.process_version, after.stage) == (2, Stage.PREPARING)
    assert state.process_version == 1, "the state passed in is not changed"
    assert [r.id for r in new_policy.obligations] == [r.id for r in V2.obligations]
    assert new_policy.reminder_offsets_days == policy.reminder_offsets_days
    # In v2 the service agreement is open only once the call-off agreement is signed.
    assert after.obligations["sign_service_agreement"].status is ObligationStatus.CANCELLED
    assert after.obligations[Trigger.SIGN_CALL_OFF_AGREEMENT.value].status is ObligationStatus.OPEN
    assert (effect.obligations_opened, effect.obligations_cancelled) == (
        ["sign_call_off_agreement"],
        ["sign_service_agreement"],
    )
    cancelled = {t.message_key for t in effect.timers if t.change is TimerChange.CANCELLED}
    assert cancelled == {"reminder-60d", "reminder-30d", "reminder-7d"} | {
        f"escalation-{level}" for level in (1, 2, 3)
    }
    assert all(t.obligation_id == "sign_service_agreement" for t in effect.timers)


def test_a_repeat_changes_nothing_and_answers_the_first_effect() -> None:
    state, policy = preparing_on_v1(deadline_in=100)
    after, new_policy, effect = migrate(state, policy, plan(), now=NOW)  # type: ignore[arg-type]
    after.migrations[effect.migration_id] = effect
    again, same_policy, repeat = migrate(after, new_policy, plan(), now=NOW + timedelta(days=1))
    assert again is after and same_policy is new_policy
    assert repeat.already_applied and repeat.timers == effect.timers


def test_moving_the_60_day_reminder_to_45_rearms_only_what_is_pending() -> None:
    # 50 days ahead: the 60-day reminder has gone out already (done), the rest pend.
    state, policy = preparing_on_v1(deadline_in=50)
    obligation = state.obligations["sign_service_agreement"]  # type: ignore[attr-defined]
    obligation.done.append(f"{obligation.deadline}:reminder-60d")
    changes = plan(id="reminders-45", to_version=1, policy={"reminder_offsets_days": [45, 30, 7]})
    after, new_policy, effect = migrate(state, policy, changes, now=NOW)  # type: ignore[arg-type]
    assert new_policy.reminder_offsets_days == [45, 30, 7]
    assert after.process_version == 1
    [timer] = effect.timers
    assert (timer.message_key, timer.change, timer.before) == (
        "reminder-45d",
        TimerChange.REARMED,
        None,
    )
    assert timer.after is not None and timer.after > NOW
    # The 60-day reminder sent stays sent; it is not pending, so nothing cancels it.
    assert f"{obligation.deadline}:reminder-60d" in after.obligations[obligation.id].done


def test_a_new_reminder_whose_time_is_gone_is_passed_over_not_sent_late() -> None:
    state, policy = preparing_on_v1(deadline_in=40)  # the new 45-day instant is past
    changes = plan(id="reminders-45", to_version=1, policy={"reminder_offsets_days": [45, 30, 7]})
    after, new_policy, effect = migrate(state, policy, changes, now=NOW)  # type: ignore[arg-type]
    by_key = {t.message_key: t.change for t in effect.timers}
    assert by_key == {
        "reminder-60d": TimerChange.CANCELLED,
        "reminder-45d": TimerChange.PASSED_OVER,
    }
    obligation = after.obligations["sign_service_agreement"]
    assert "reminder-45d" not in {m.message_key for m in pending(obligation, new_policy)}


def test_an_overdue_obligation_escalates_at_once_to_the_level_the_new_ladder_reached() -> None:
    state, policy = preparing_on_v1(deadline_in=-30)  # 30 days overdue; nothing sent yet
    obligation = state.obligations["sign_service_agreement"]  # type: ignore[attr-defined]
    # Under the old ladder every message had gone out (or been passed over).
    obligation.done.extend(
        f"{obligation.deadline}:{key}"
        for key in ("reminder-60d", "reminder-30d", "reminder-7d")
        + tuple(f"escalation-{level}" for level in (1, 2, 3))
    )
    ladder = [
        {"level": 1, "business_days_after_deadline": 0, "recipients": ["municipality_contact"]},
        {"level": 2, "business_days_after_deadline": 5, "recipients": ["municipal_director"]},
        {"level": 3, "business_days_after_deadline": 15, "recipients": ["council"]},
        {"level": 4, "business_days_after_deadline": 19, "recipients": ["program_director"]},
    ]
    changes = plan(id="ladder-4", to_version=1, policy={"escalation_ladder": ladder})
    _, _, effect = migrate(state, policy, changes, now=NOW)  # type: ignore[arg-type]
    assert [(t.message_key, t.change) for t in effect.timers] == [
        ("escalation-4", TimerChange.FIRES_NOW)
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"to_version": 9}, "to_version"),
        ({"key": "nursing_home"}, "key"),
        # A process of another kind of party (issue #19): not the one the party runs.
        ({"key": "hospital", "to_version": 1}, "key"),
        ({"to_version": 1}, "to_version"),  # changes nothing
        ({"stage_map": {"preparing": "call_off_signed"}, "to_version": 1}, "stage_map.preparing"),
        ({"stage_map": {"preparing": "ready"}}, "stage_map.preparing"),  # past the guard
        ({"stage_map": {"preparing": "paused"}}, "stage_map.preparing"),
        ({"stage_map": {"paused": "preparing"}}, "stage_map.paused"),
        ({"stage_map": {"call_off_signed": "preparing"}}, "stage_map.call_off_signed"),
        ({"policy": {"reminder_offsets_days": [1_000_000]}}, None),
        ({"policy": {"checklist": [{"id": "go_no_go_meeting", "days_before_go_live": -1}]}}, None),
        ({"policy": {"reminder_offsets_days": [30, 30]}}, "policy.reminder_offsets_days"),
    ],
)
def test_a_plan_that_does_not_fit_is_refused_naming_its_field(
    fields: dict[str, object], field: str | None
) -> None:
    state, policy = preparing_on_v1(deadline_in=100)
    if field is None:  # refused by the plan's own validation, before any party
        with pytest.raises(ValueError):
            plan(**fields)
        return
    with pytest.raises(RequestRejected) as refused:
        migrate(state, policy, plan(**fields), now=NOW)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_version_2_party_cannot_move_back() -> None:
    state = municipality_state(Stage.CALL_OFF_SIGNED, process_version=2)
    with pytest.raises(RequestRejected) as refused:
        migrate(state, fit_policy(V2, ReminderPolicy()), plan(to_version=1), now=NOW)
    assert refused.value.field == "to_version"


def test_a_paused_party_gets_what_v2_opens_for_the_stage_it_paused_from_paused() -> None:
    state, policy = preparing_on_v1(deadline_in=100)
    state.stage, state.paused_from = Stage.PAUSED, Stage.PREPARING  # type: ignore[attr-defined]
    state.obligations["sign_service_agreement"].status = ObligationStatus.PAUSED  # type: ignore[attr-defined]
    after, _, effect = migrate(state, policy, plan(), now=NOW)  # type: ignore[arg-type]
    assert (after.stage, after.paused_from) == (Stage.PAUSED, Stage.PREPARING)
    status = {o.id: o.status for o in after.obligations.values()}
    assert status == {
        "sign_service_agreement": ObligationStatus.CANCELLED,
        "sign_call_off_agreement": ObligationStatus.PAUSED,
    }
    assert effect.obligations_opened == ["sign_call_off_agreement"]
    # Its clock stands still: no timer runs while it is paused.
    assert all(t.change is TimerChange.CANCELLED for t in effect.timers) or not effect.timers
