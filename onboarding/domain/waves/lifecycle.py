"""A wave's own rules: what it may do in each status, its members, its go-live (pure).

    planned ──approve──▶ frozen ──(go-live instant)──▶ live ──close──▶ closed
       ▲                   │
       └────postpone───────┘   (a new date: planned again)

The wave workflow asks these before it changes anything, in its validators
and again under its lock; each raises the OnboardingError the client sees.
`now` comes from the workflow. Members carry their membership's seq: the
highest each left with is kept, so a late answer never re-adds a member that
has moved on.
"""

from datetime import date, datetime

from onboarding.domain.errors import RequestRejected, WaveRefused
from onboarding.domain.waves.models import (
    ACTIVE_WAVE_STATUSES,
    Decision,
    DecisionCommand,
    GoLiveOutcome,
    MemberLeft,
    MemberStatus,
    WaveGoLiveResult,
    WaveInfo,
    WaveMember,
    WaveState,
    WaveStatus,
)


def check_active(wave: WaveInfo, what: str) -> None:
    """Refuse `what` (e.g. "take members") for a wave that is live or closed."""
    if wave.status not in ACTIVE_WAVE_STATUSES:
        raise WaveRefused(wave.id, wave.status.value, f"a {wave.status.value} wave cannot {what}")


def is_member(state: WaveState, number: str) -> bool:
    """Whether `number` is a member still waiting for go-live."""
    member = state.members.get(number)
    return member is not None and member.status is MemberStatus.MEMBER


def check_removable(state: WaveState, number: str) -> None:
    """Refuse a municipality that is not a member, or went live with the wave."""
    wave = state.info
    member = state.members.get(number)
    if member is None:
        members = ", ".join(sorted(state.members)) or "none"
        raise RequestRejected("number", f"{number} is not a member of wave {wave.id} ({members})")
    if member.status is MemberStatus.LIVE:
        raise WaveRefused(wave.id, wave.status.value, f"{number} went live with the wave")


def check_new_date(wave: WaveInfo, go_live_at: datetime, *, now: datetime) -> None:
    """Refuse a live or closed wave, a date without offset, the same date, or a past one.

    Only a wave recorded after the fact takes a date in the past.
    """
    check_active(wave, "be rescheduled")
    if go_live_at.utcoffset() is None:
        raise RequestRejected("go_live_at", "give a local date-time with offset")
    if go_live_at == wave.go_live_at:
        raise RequestRejected("go_live_at", f"the wave already goes live at {go_live_at}")
    if go_live_at <= now and not wave.recorded_after_the_fact:
        raise RequestRejected(
            "go_live_at",
            f"{go_live_at.isoformat()} is in the past; only a wave recorded after the "
            "fact takes past dates",
        )


def check_decision(wave: WaveInfo, command: DecisionCommand, *, now: datetime) -> None:
    """Refuse a decision the wave's status does not allow, or a postpone without date or reason."""
    if command.decision is Decision.CLOSE:
        if wave.status is not WaveStatus.LIVE:
            raise WaveRefused(wave.id, wave.status.value, "only a live wave can be closed")
        return
    check_active(wave, f"be given an {command.decision.value} decision")
    if command.decision is Decision.APPROVE and wave.status is WaveStatus.FROZEN:
        raise WaveRefused(wave.id, wave.status.value, "its go-live is approved already")
    if command.decision is Decision.POSTPONE:
        if command.go_live_at is None:
            raise RequestRejected("go_live_at", "postponing needs the new go-live date")
        if command.reason is None:
            raise RequestRejected("reason", "postponing needs a reason")
        check_new_date(wave, command.go_live_at, now=now)
        return
    if wave.recorded_after_the_fact and wave.go_live_at > now:
        raise RequestRejected(
            "decision",
            f"wave {wave.id} is recorded after the fact but its date "
            f"{wave.go_live_at.isoformat()} has not come yet",
        )


def status_after(wave: WaveInfo, decision: Decision) -> WaveStatus:
    """The wave's status after a decision: approve freezes it, close closes it."""
    if decision is Decision.APPROVE:
        return WaveStatus.FROZEN
    if decision is Decision.CLOSE:
        return WaveStatus.CLOSED
    return wave.status


def go_live_at(state: WaveState) -> datetime | None:
    """The instant the wave's timer waits for; None for a wave that went live or has no timer.

    A wave recorded after the fact has no timer: its approve decision takes it live.
    """
    if state.went_live or state.info.recorded_after_the_fact:
        return None
    return state.info.go_live_at


def go_live_due(state: WaveState, now: datetime) -> bool:
    """Whether the wave's go-live instant has come and it has not gone live yet."""
    at = go_live_at(state)
    return at is not None and state.info.status in ACTIVE_WAVE_STATUSES and now >= at


def drop_member(state: WaveState, number: str, seq: int) -> None:
    """The member is gone (removed, moved, declined, its workflow gone) with membership `seq`."""
    state.members.pop(number, None)
    state.departed[number] = max(seq, state.departed.get(number, 0))


def moved_on(state: WaveState, number: str, seq: int) -> bool:
    """Whether `number` left with membership `seq` or a later one (a late join answer)."""
    return state.departed.get(number, 0) >= seq


def note_departure(state: WaveState, left: MemberLeft) -> bool:
    """Note a member's own word that it left; True if that dropped a current member.

    A word about an older membership (it has joined again since) changes only
    what is remembered as departed.
    """
    member = state.members.get(left.number)
    state.departed[left.number] = max(left.seq, state.departed.get(left.number, 0))
    if member is None or member.seq > left.seq:
        return False
    drop_member(state, left.number, left.seq)
    return True


def settle_member(
    state: WaveState, member: WaveMember, result: WaveGoLiveResult | None, on: date
) -> MemberStatus | None:
    """Where a member stands after the go-live on `on`, by its answer; None: dropped.

    No answer (its workflow is gone) or not a member of this wave any more:
    it is dropped. A member not ready has missed this go-live.
    """
    if result is None or result.outcome is GoLiveOutcome.NOT_MEMBER:
        drop_member(state, member.number, member.seq)
        return None
    if result.outcome is GoLiveOutcome.LIVE:
        member.status, member.went_live_on = MemberStatus.LIVE, on
    else:
        member.status = MemberStatus.MISSED_GO_LIVE
    return member.status


def missed_reason(result: WaveGoLiveResult) -> str:
    """Why a member missed go-live: what still blocks it, or else its stage."""
    return "; ".join(result.blockers) or f"stage {result.stage.value}"
