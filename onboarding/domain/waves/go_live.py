"""A wave's go-live, on both sides: how a member fares, and whom the wave escalates to (pure).

At the wave's go-live instant the wave asks each member to go live. A member
already live answers live; a ready one plans its own go_live transition
(recorded by the workflow); any other misses this go-live, with what still
blocks it, and the top of the escalation ladder hears of it. A member that
waits for its municipality (a GP office) is asked after the others, and misses
the go-live, naming the municipality, if that municipality was in the wave and
did not go live (`dependents_blocked`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from onboarding.domain.checklist import go_live_date
from onboarding.domain.errors import OnboardingError
from onboarding.domain.notifications import DueMessage, MessageKind
from onboarding.domain.parties.models import MunicipalityState, TransitionCommand, TransitionRecord
from onboarding.domain.parties.transitions import go_live_blockers, plan_transition
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.models import (
    GoLiveOutcome,
    MemberStatus,
    WaveGoLiveCommand,
    WaveGoLiveResult,
    WaveInfo,
    WaveMember,
)


@dataclass
class GoLivePlan:
    """A member's go-live decided: its outcome, and the transition to record if it goes live."""

    outcome: GoLiveOutcome
    blockers: list[str] = field(default_factory=list)
    record: TransitionRecord | None = None

    def result(self, state: MunicipalityState) -> WaveGoLiveResult:
        """The answer to the wave, from the state once the transition (if any) is applied."""
        return WaveGoLiveResult(
            municipality=state.municipality,
            outcome=self.outcome,
            stage=state.stage,
            blockers=self.blockers,
        )


def plan_go_live(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: WaveGoLiveCommand,
    *,
    now: datetime,
    workflow_id: str,
    run_id: str,
) -> GoLivePlan:
    """How the member fares at its wave's go-live; a member not ready is marked as missing it.

    Not ready includes a member that cannot go live on that date (an approval
    recorded after it): it misses this go-live, the others do not.
    """
    current = state.wave
    if current is None or current.wave_id != command.wave_id:
        return GoLivePlan(GoLiveOutcome.NOT_MEMBER)
    if state.stage is Stage.LIVE:
        return GoLivePlan(GoLiveOutcome.LIVE)
    if command.blocked_by:
        state.missed_go_live = command.wave_id
        return GoLivePlan(GoLiveOutcome.NOT_READY, blockers=list(command.blocked_by))
    go_live = TransitionCommand(
        trigger=Trigger.GO_LIVE,
        effective_on=command.effective_on,
        comment=f"went live with wave {command.wave_id}",
        actor=command.actor,
        recorded_at=command.recorded_at,
    )
    try:
        record = plan_transition(
            state, policy, go_live, now=now, workflow_id=workflow_id, run_id=run_id
        )
    except OnboardingError as err:
        state.missed_go_live = command.wave_id
        return GoLivePlan(
            GoLiveOutcome.NOT_READY, blockers=go_live_blockers(state, policy) or [str(err)]
        )
    return GoLivePlan(GoLiveOutcome.LIVE, record=record)


def missed_go_live_message(
    wave: WaveInfo, result: WaveGoLiveResult, policy: ReminderPolicy, *, timezone: str
) -> DueMessage:
    """The escalation to the top of the ladder for a member that missed the wave's go-live."""
    top = policy.escalation_ladder[-1]
    return DueMessage(
        municipality=result.municipality,
        obligation_id="go_live",
        obligation_label=f"Go-live with wave {wave.name} (missed: not ready)",
        kind=MessageKind.ESCALATION,
        message_key=f"missed-go-live-{wave.id}",
        level=top.level,
        deadline=go_live_date(wave.go_live_at, timezone),
        due_at=wave.go_live_at,
        recipient_roles=list(top.recipients),
    )


def dependents_blocked(
    members: list[WaveMember], waiting: list[WaveMember]
) -> dict[str, list[str]]:
    """What blocks each member of `waiting` that waits for a municipality, by its number.

    `members` are the wave's members after the first round of its go-live: a
    municipality among them that is not live blocks the members waiting for it.
    A municipality outside the wave was checked when the member was approved.
    """
    standing = {m.number: m for m in members}
    blocked: dict[str, list[str]] = {}
    for member in waiting:
        home = standing.get(member.waits_for) if member.waits_for else None
        if home is not None and home.status is not MemberStatus.LIVE:
            blocked[member.number] = [
                f"municipality {home.number} ({home.name}) did not go live with the wave"
            ]
    return blocked
