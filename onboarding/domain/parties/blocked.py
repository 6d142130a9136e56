"""Triggers a municipality could fire but for a guard, and what each still lacks (pure).

A view lists the triggers allowed now; a person also needs to know which ones
exist but are held back, and why: `approve_go_live` on the way to go-live
(from option_exercised to service_agreement_signed) names the missing
agreement, wave and checklist items (`go_live_blockers` of the view), and a
trigger the stage offers whose guard fails names its conditions. The pages
and `onboarding show` list them as blocked, with these reasons.
"""

from dataclasses import dataclass

from onboarding.domain.errors import OnboardingError, TransitionRefused
from onboarding.domain.parties.models import MunicipalityView
from onboarding.domain.parties.process import process_of
from onboarding.domain.process.machine import ProcessContext, decide
from onboarding.domain.vocabulary import Stage, Trigger

# On the way to go-live: approve_go_live is the next milestone, guarded or not yet
# offered; what it lacks (the agreement among it) is worth saying from here on.
_TOWARDS_GO_LIVE: frozenset[Stage] = frozenset(
    {Stage.OPTION_EXERCISED, Stage.PREPARING, Stage.SERVICE_AGREEMENT_SIGNED}
)


@dataclass(frozen=True)
class BlockedTrigger:
    """A trigger held back by its guard, and the conditions it still lacks (English)."""

    trigger: Trigger
    missing: tuple[str, ...]


def blocked_triggers(view: MunicipalityView) -> list[BlockedTrigger]:
    """The triggers of `view` that guards hold back, in definition order."""
    definition = process_of(view)
    context = ProcessContext(
        definition=definition,
        stage=view.stage,
        paused_from=view.paused_from,
        go_live_blockers=tuple(view.go_live_blockers),
    )
    found: list[BlockedTrigger] = []
    for trigger in definition.triggers:
        if trigger in view.allowed_triggers:
            continue
        if trigger is Trigger.APPROVE_GO_LIVE and view.stage not in _TOWARDS_GO_LIVE:
            continue
        try:
            decide(context, trigger.value)
        except TransitionRefused as err:
            if err.missing_conditions:
                found.append(BlockedTrigger(trigger, tuple(err.missing_conditions)))
        except OnboardingError:
            continue
    return found
