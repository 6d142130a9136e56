"""Wave membership as a municipality's own workflow decides it (pure).

The wave workflow owns the wave; the municipality's workflow owns whether it
is in one, so two coordinators moving it at once end with it in exactly one
wave. These are the checks and answers of its membership updates. Dates are
Europe/Oslo dates at `now`, the workflow's clock.
"""

from datetime import date, datetime

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import NotEligible, RequestRejected
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord, WaveMembership
from onboarding.domain.parties.process import process_of
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.models import (
    JoinWaveCommand,
    LeaveWaveCommand,
    MembershipResult,
    WaveDateCommand,
)
from onboarding.domain.waves.readiness import arm_checklist, disarm_checklist


def check_joinable(state: MunicipalityState, command: JoinWaveCommand) -> None:
    """Refuse a stage outside its process's wave stages, and a move without a reason."""
    stage = state.stage
    wave_stages = process_of(state).wave_stages
    if stage not in wave_stages:
        raise NotEligible(
            state.municipality.number,
            stage.value,
            sorted(s.value for s in wave_stages),
        )
    if state.wave is not None and not command.reason:
        raise RequestRejected(
            "reason",
            f"{state.municipality.number} is in wave {state.wave.wave_id}; "
            "moving it to another wave needs a reason",
        )


def membership_result(
    state: MunicipalityState, *, member: bool, previous_wave: str | None = None
) -> MembershipResult:
    """The answer to the wave: is it a member now, under which membership number."""
    waits = process_of(state).waits_for_home_municipality
    return MembershipResult(
        municipality=state.municipality,
        stage=state.stage,
        member=member,
        seq=state.wave.seq if state.wave else 0,
        previous_wave=previous_wave,
        waits_for=state.municipality.municipality_number if waits else None,
    )


def repeated_join(state: MunicipalityState, command: JoinWaveCommand) -> MembershipResult | None:
    """The answer to a join of the wave it is in already (a repeat); None for a new join."""
    current = state.wave
    if current is None or current.wave_id != command.wave_id:
        return None
    return membership_result(state, member=True, previous_wave=current.moved_from)


def join_wave(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: JoinWaveCommand,
    *,
    now: datetime,
) -> WaveMembership | None:
    """Join the command's wave (see check_joinable) and arm the checklist on its date.

    Returns the membership it moved from, if any: that wave is to be told.
    """
    check_joinable(state, command)
    current = state.wave
    state.wave_seq += 1
    state.wave = WaveMembership(
        wave_id=command.wave_id,
        go_live_at=command.go_live_at,
        seq=state.wave_seq,
        joined_at=now,
        moved_from=current.wave_id if current else None,
    )
    state.missed_go_live = None
    arm_checklist(state, policy, today=oslo_date(now), now=now)
    return current


def leave_wave(
    state: MunicipalityState, policy: ReminderPolicy, command: LeaveWaveCommand, *, today: date
) -> WaveMembership | None:
    """Leave the command's wave: open checklist items are cancelled, done ones stay done.

    Returns the membership it left; None if it was not in that wave (nothing changes).
    """
    current = state.wave
    if current is None or current.wave_id != command.wave_id:
        return None
    state.wave = None
    state.missed_go_live = None
    disarm_checklist(state, policy, on=today)
    return current


def move_wave_date(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: WaveDateCommand,
    *,
    now: datetime,
) -> bool:
    """The wave's date moved: every wave-relative deadline follows. False if not in that wave."""
    current = state.wave
    if current is None or current.wave_id != command.wave_id:
        return False
    current.go_live_at = command.go_live_at
    arm_checklist(state, policy, today=oslo_date(now), now=now)
    return True


def follow_wave(
    state: MunicipalityState,
    policy: ReminderPolicy,
    record: TransitionRecord,
    *,
    now: datetime,
) -> WaveMembership | None:
    """Keep the checklist on the wave's date; a municipality leaving the road leaves its wave.

    Returns the membership it left, if any, so the wave can be told.
    """
    current = state.wave
    if current is None:
        return None
    if record.to_stage in (Stage.DECLINED, Stage.WITHDRAWN):
        state.wave = None
        state.missed_go_live = None
        disarm_checklist(state, policy, on=record.effective_on)
        return current
    if record.to_stage is not Stage.LIVE:
        # A pause or resume shifts deadlines by the time paused; in a wave
        # they hang on the wave's date instead.
        arm_checklist(state, policy, today=oslo_date(now), now=now)
    return None
