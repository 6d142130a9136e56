"""A process definition as data: one version of one kind of party's road, and its rules.

A workflow records the (key, version) it runs and interprets that definition
(machine.py) for every decision: which triggers fire from which stage, what
evidence each needs, which obligations a stage opens and which checklist a
wave member works through. A new version is a new module beside
municipality_v2.py, its road (road.py) and its rules, never a branch in
workflow code.
"""

from dataclasses import dataclass, fields

from onboarding.domain.checklist import ChecklistItemRule
from onboarding.domain.policy import ObligationRule
from onboarding.domain.process.road import ProcessRoad


@dataclass(frozen=True)
class StageRules:
    """What the stages oblige the party to do next, and a wave member's readiness checklist.

    The defaults a party on the version starts with (a policy file may replace
    them; see fit_policy), with the program's deadlines.
    """

    obligations: tuple[ObligationRule, ...]
    checklist: tuple[ChecklistItemRule, ...]


@dataclass(frozen=True, eq=False, kw_only=True)
class ProcessDefinition(ProcessRoad):
    """One version of one process: its road, and what a workflow on it obliges."""

    obligations: tuple[ObligationRule, ...]
    checklist: tuple[ChecklistItemRule, ...]

    @classmethod
    def of(cls, road: ProcessRoad, rules: StageRules) -> "ProcessDefinition":
        """The definition of `road` with `rules`: the road's fields, as they are."""
        return cls(
            **{f.name: getattr(road, f.name) for f in fields(ProcessRoad)},
            obligations=rules.obligations,
            checklist=rules.checklist,
        )
