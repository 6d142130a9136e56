"""Which process definition a party's state runs, and a policy fitted to it (pure).

The state records the version (`process_version`); everything that decides
for the party (transitions, corrections, obligations, readiness) interprets
the definition looked up here, so a party migrated to another version
decides by that version's table from its next step on.
"""

from typing import Protocol

from onboarding.domain.errors import RequestRejected
from onboarding.domain.party import PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import process_definition


class Versioned(Protocol):
    """A party's state or view: it names its kind and the version of the process it runs."""

    @property
    def process_version(self) -> int: ...

    @property
    def kind(self) -> PartyKind: ...


def process_key(kind: PartyKind) -> str:
    """The process a party of `kind` walks: each kind has its own, keyed by the kind."""
    return kind.value


def process_of(party: Versioned) -> ProcessDefinition:
    """The definition the party's workflow runs: its kind's process, at its version."""
    return process_definition(process_key(party.kind), party.process_version)


def fit_policy(definition: ProcessDefinition, policy: ReminderPolicy) -> ReminderPolicy:
    """The policy a party on `definition` starts with (or moves to).

    Obligations and the checklist are the definition's unless the policy file
    sets its own; what it sets must name only triggers and stages the
    definition has (a RequestRejected names the first that does not).
    """
    update: dict[str, object] = {}
    if "obligations" not in policy.model_fields_set:
        update["obligations"] = list(definition.obligations)
    if "checklist" not in policy.model_fields_set:
        update["checklist"] = list(definition.checklist)
    fitted = policy.model_copy(update=update) if update else policy
    for index, rule in enumerate(fitted.obligations):
        if rule.id not in definition.triggers:
            raise RequestRejected(
                f"policy.obligations[{index}].id",
                f"{rule.id.value} is not a trigger of {definition.name}; "
                f"allowed: {', '.join(t.value for t in definition.triggers)}",
            )
        for stage in rule.stages:
            if not definition.has_stage(stage):
                raise RequestRejected(
                    f"policy.obligations[{index}].stages",
                    f"{stage.value} is not a stage of {definition.name}; "
                    f"allowed: {', '.join(s.value for s in definition.stages)}",
                )
    return fitted
