"""Wave membership as a municipality's own workflow decides it (pure).

The wave workflow owns the wave; the municipality's workflow owns whether it
is in one, so two coordinators moving it at once end with it in exactly one
wave. These are the checks and answers of its membership updates.
"""

from onboarding.domain.errors import NotEligible, RequestRejected
from onboarding.domain.parties.models import MunicipalityState
from onboarding.domain.waves.models import JoinWaveCommand, MembershipResult
from onboarding.domain.waves.readiness import WAVE_STAGES


def check_joinable(state: MunicipalityState, command: JoinWaveCommand) -> None:
    """Refuse a stage outside WAVE_STAGES, and a move from another wave without a reason."""
    stage = state.stage
    if stage not in WAVE_STAGES:
        raise NotEligible(
            state.municipality.number,
            stage.value,
            sorted(s.value for s in WAVE_STAGES),
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
    return MembershipResult(
        municipality=state.municipality,
        stage=state.stage,
        member=member,
        seq=state.wave.seq if state.wave else 0,
        previous_wave=previous_wave,
    )
