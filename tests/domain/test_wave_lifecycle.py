"""A wave's own rules without a workflow: what each status allows, and when it goes live (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from onboarding.domain.errors import RequestRejected, WaveRefused
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.lifecycle import (
    check_active,
    check_decision,
    check_new_date,
    check_removable,
    drop_member,
    go_live_at,
    go_live_due,
    is_member,
    missed_reason,
    moved_on,
    note_departure,
    settle_member,
    status_after,
)
from onboarding.domain.waves.models import (
    ACTIVE_WAVE_STATUSES,
    Decision,
    DecisionCommand,
    GoLiveOutcome,
    MemberLeft,
    MemberStatus,
    WaveGoLiveResult,
    WaveMember,
    WaveState,
    WaveStatus,
)
from tests.domain.builders import ACTOR, TESTBY, wave_info

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
AT = datetime(2030, 10, 25, 22, tzinfo=UTC)


def wave(status: WaveStatus = WaveStatus.PLANNED, *, after_the_fact: bool = False) -> WaveState:
    info = wave_info(AT, status, after_the_fact=after_the_fact)
    return WaveState(info=info)


def member(state: WaveState, number: str, status: MemberStatus = MemberStatus.MEMBER) -> None:
    state.members[number] = WaveMember(
        number=number, name=f"M{number}", seq=1, status=status, joined_at=NOW
    )


def decision(kind: Decision, **fields: object) -> DecisionCommand:
    return DecisionCommand.model_validate({"decision": kind, "actor": ACTOR, **fields})


def test_only_a_planned_or_frozen_wave_is_active() -> None:
    assert ACTIVE_WAVE_STATUSES == (WaveStatus.PLANNED, WaveStatus.FROZEN)
    check_active(wave(WaveStatus.FROZEN).info, "take members")
    with pytest.raises(WaveRefused) as refused:
        check_active(wave(WaveStatus.LIVE).info, "take members")
    assert str(refused.value).endswith("a live wave cannot take members")


def test_a_member_is_removable_until_it_went_live_with_the_wave() -> None:
    state = wave()
    member(state, "5001")
    member(state, "5002", MemberStatus.LIVE)
    assert is_member(state, "5001") and not is_member(state, "5002")
    check_removable(state, "5001")
    with pytest.raises(WaveRefused, match="5002 went live with the wave"):
        check_removable(state, "5002")
    with pytest.raises(RequestRejected) as stranger:
        check_removable(state, "5003")
    assert stranger.value.message == "5003 is not a member of wave w1 (5001, 5002)"


def test_a_new_date_has_an_offset_differs_and_lies_ahead() -> None:
    info = wave().info
    check_new_date(info, AT + timedelta(days=7), now=NOW)
    with pytest.raises(RequestRejected, match="offset"):
        check_new_date(info, datetime(2030, 11, 1, 12), now=NOW)
    with pytest.raises(RequestRejected, match="already goes live"):
        check_new_date(info, AT, now=NOW)
    with pytest.raises(RequestRejected, match="in the past"):
        check_new_date(info, NOW - timedelta(days=1), now=NOW)
    check_new_date(wave(after_the_fact=True).info, NOW - timedelta(days=1), now=NOW)
    with pytest.raises(WaveRefused):
        check_new_date(wave(WaveStatus.CLOSED).info, AT + timedelta(days=7), now=NOW)


def test_decisions_the_status_allows() -> None:
    planned, frozen, live = (
        wave(s).info for s in (WaveStatus.PLANNED, WaveStatus.FROZEN, WaveStatus.LIVE)
    )
    check_decision(planned, decision(Decision.APPROVE), now=NOW)
    with pytest.raises(WaveRefused, match="approved already"):
        check_decision(frozen, decision(Decision.APPROVE), now=NOW)
    with pytest.raises(WaveRefused, match="only a live wave can be closed"):
        check_decision(planned, decision(Decision.CLOSE), now=NOW)
    check_decision(live, decision(Decision.CLOSE), now=NOW)
    with pytest.raises(WaveRefused, match="cannot be given an approve decision"):
        check_decision(live, decision(Decision.APPROVE), now=NOW)


def test_a_postpone_needs_a_new_date_and_a_reason() -> None:
    frozen = wave(WaveStatus.FROZEN).info
    later = (AT + timedelta(days=14)).isoformat()
    with pytest.raises(RequestRejected) as no_date:
        check_decision(frozen, decision(Decision.POSTPONE, reason="late"), now=NOW)
    assert no_date.value.field == "go_live_at"
    with pytest.raises(RequestRejected) as no_reason:
        check_decision(frozen, decision(Decision.POSTPONE, go_live_at=later), now=NOW)
    assert no_reason.value.field == "reason"
    check_decision(frozen, decision(Decision.POSTPONE, go_live_at=later, reason="late"), now=NOW)


def test_a_wave_recorded_after_the_fact_is_approved_only_once_its_date_came() -> None:
    after = wave(after_the_fact=True).info
    with pytest.raises(RequestRejected, match="has not come yet"):
        check_decision(after, decision(Decision.APPROVE), now=NOW)
    check_decision(after, decision(Decision.APPROVE), now=AT)


def test_status_after_a_decision() -> None:
    info = wave().info
    assert status_after(info, Decision.APPROVE) is WaveStatus.FROZEN
    assert status_after(info, Decision.POSTPONE) is WaveStatus.PLANNED
    assert status_after(wave(WaveStatus.LIVE).info, Decision.CLOSE) is WaveStatus.CLOSED


def test_the_timer_waits_for_the_go_live_instant_of_an_active_wave() -> None:
    state = wave(WaveStatus.FROZEN)
    assert go_live_at(state) == AT
    assert not go_live_due(state, AT - timedelta(seconds=1))
    assert go_live_due(state, AT)
    state.went_live = True
    assert go_live_at(state) is None and not go_live_due(state, AT)
    # Recorded after the fact: no timer; its approve decision takes it live.
    after = wave(after_the_fact=True)
    assert go_live_at(after) is None and not go_live_due(after, AT)


def left(number: str, seq: int) -> MemberLeft:
    return MemberLeft(number=number, seq=seq, to_wave=None, actor=ACTOR)


def test_a_member_s_departure_is_remembered_so_a_late_join_answer_never_re_adds_it() -> None:
    state = wave()
    member(state, "5001")  # membership seq 1
    assert not moved_on(state, "5001", 1)
    assert note_departure(state, left("5001", 1))
    assert "5001" not in state.members and moved_on(state, "5001", 1)
    # It joins again (seq 3); a word about its old membership drops nothing.
    state.members["5001"] = WaveMember(number="5001", name="M5001", seq=3, joined_at=NOW)
    assert not note_departure(state, left("5001", 2))
    assert "5001" in state.members and state.departed["5001"] == 2
    drop_member(state, "5001", 3)
    assert "5001" not in state.members and state.departed["5001"] == 3
    assert not note_departure(state, left("5009", 1))
    assert state.departed["5009"] == 1


def answer(outcome: GoLiveOutcome, *blockers: str) -> WaveGoLiveResult:
    return WaveGoLiveResult(
        municipality=TESTBY,
        outcome=outcome,
        stage=Stage.SERVICE_AGREEMENT_SIGNED,
        blockers=list(blockers),
    )


def test_members_settle_by_their_go_live_answers() -> None:
    state = wave(WaveStatus.FROZEN)
    for number in ("5001", "5002", "5003", "5004"):
        member(state, number)
    on = AT.date()
    live, missed, gone, other = (state.members[n] for n in ("5001", "5002", "5003", "5004"))
    assert settle_member(state, live, answer(GoLiveOutcome.LIVE), on) is MemberStatus.LIVE
    assert live.went_live_on == on
    not_ready = answer(GoLiveOutcome.NOT_READY, "service agreement not signed")
    assert settle_member(state, missed, not_ready, on) is MemberStatus.MISSED_GO_LIVE
    assert missed_reason(not_ready) == "service agreement not signed"
    assert missed_reason(answer(GoLiveOutcome.NOT_READY)) == "stage service_agreement_signed"
    assert settle_member(state, gone, None, on) is None  # its workflow is gone
    assert settle_member(state, other, answer(GoLiveOutcome.NOT_MEMBER), on) is None
    assert sorted(state.members) == ["5001", "5002"]
    assert state.departed == {"5003": 1, "5004": 1}
