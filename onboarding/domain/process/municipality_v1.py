"""The municipality process, version 1: the road as the rollout first ran it.

Collaboration agreement, option exercise by council vote, preparation, the
service agreement, readiness in a production wave, go-live; off the road:
decline, pause and resume, withdraw, re-signature of a new agreement version.
Frozen: parties on version 1 run this table for as long as they live, and
their recorded histories replay against it.
"""

from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from onboarding.domain.process.road import ProcessRoad
from onboarding.domain.process.wiring import pause_and_resume, withdraw_from
from onboarding.domain.vocabulary import TERMINAL_STAGES, EvidenceRule, Stage, Trigger

if TYPE_CHECKING:
    from onboarding.domain.process.model import StageRules

KEY = "municipality"

STAGES: tuple[Stage, ...] = (
    Stage.PROSPECTIVE,
    Stage.COLLABORATION_SIGNED,
    Stage.RESIGNATURE_REQUIRED,
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.SERVICE_AGREEMENT_SIGNED,
    Stage.READY,
    Stage.LIVE,
    Stage.DECLINED,
    Stage.PAUSED,
    Stage.WITHDRAWN,
)

TRIGGERS: tuple[Trigger, ...] = (
    Trigger.SIGN_COLLABORATION,
    Trigger.REQUIRE_RESIGNATURE,
    Trigger.EXERCISE_OPTION,
    Trigger.DECLINE,
    Trigger.START_PREPARATION,
    Trigger.SIGN_SERVICE_AGREEMENT,
    Trigger.APPROVE_GO_LIVE,
    Trigger.GO_LIVE,
    Trigger.PAUSE,
    Trigger.RESUME,
    Trigger.WITHDRAW,
)

MAIN_ROAD: tuple[Stage, ...] = (
    Stage.PROSPECTIVE,
    Stage.COLLABORATION_SIGNED,
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.SERVICE_AGREEMENT_SIGNED,
    Stage.READY,
    Stage.LIVE,
)

PAUSABLE_STAGES: tuple[Stage, ...] = (
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.SERVICE_AGREEMENT_SIGNED,
)

EVIDENCE_RULES: dict[Trigger, EvidenceRule] = {
    Trigger.SIGN_COLLABORATION: EvidenceRule(("agreement_version", "document_ref")),
    Trigger.REQUIRE_RESIGNATURE: EvidenceRule(("agreement_version",)),
    Trigger.EXERCISE_OPTION: EvidenceRule(("case_ref",)),
    Trigger.DECLINE: EvidenceRule(("case_ref", "reason")),
    Trigger.START_PREPARATION: EvidenceRule(),
    Trigger.SIGN_SERVICE_AGREEMENT: EvidenceRule(("document_ref",)),
    Trigger.APPROVE_GO_LIVE: EvidenceRule(),
    Trigger.GO_LIVE: EvidenceRule(),
    Trigger.PAUSE: EvidenceRule(("reason",)),
    Trigger.RESUME: EvidenceRule(),
    Trigger.WITHDRAW: EvidenceRule(("reason",)),
}

# The declarative transition table. `resume` returns to the stage the
# municipality was paused from: one row per pausable stage, each guarded.
TRANSITION_TABLE: list[dict[str, object]] = [
    {
        "trigger": Trigger.SIGN_COLLABORATION,
        "source": [Stage.PROSPECTIVE, Stage.RESIGNATURE_REQUIRED],
        "dest": Stage.COLLABORATION_SIGNED,
    },
    {
        "trigger": Trigger.REQUIRE_RESIGNATURE,
        "source": Stage.COLLABORATION_SIGNED,
        "dest": Stage.RESIGNATURE_REQUIRED,
    },
    {
        "trigger": Trigger.EXERCISE_OPTION,
        "source": [Stage.COLLABORATION_SIGNED, Stage.DECLINED],
        "dest": Stage.OPTION_EXERCISED,
    },
    {
        "trigger": Trigger.DECLINE,
        "source": [Stage.COLLABORATION_SIGNED, Stage.OPTION_EXERCISED, Stage.PREPARING],
        "dest": Stage.DECLINED,
    },
    {
        "trigger": Trigger.START_PREPARATION,
        "source": Stage.OPTION_EXERCISED,
        "dest": Stage.PREPARING,
    },
    {
        "trigger": Trigger.SIGN_SERVICE_AGREEMENT,
        "source": [Stage.OPTION_EXERCISED, Stage.PREPARING],
        "dest": Stage.SERVICE_AGREEMENT_SIGNED,
    },
    {
        "trigger": Trigger.APPROVE_GO_LIVE,
        "source": Stage.SERVICE_AGREEMENT_SIGNED,
        "dest": Stage.READY,
        "conditions": "go_live_conditions_met",
    },
    {"trigger": Trigger.GO_LIVE, "source": Stage.READY, "dest": Stage.LIVE},
    *pause_and_resume(PAUSABLE_STAGES),
    withdraw_from(STAGES, TERMINAL_STAGES),
]

ROAD = ProcessRoad(
    key=KEY,
    version=1,
    title="Kommune, versjon 1",
    released_on=date(2015, 9, 1),
    changes=("The first process: the road as the rollout first ran it.",),
    stages=STAGES,
    triggers=TRIGGERS,
    transitions=tuple(MappingProxyType(row) for row in TRANSITION_TABLE),
    evidence_rules=MappingProxyType(EVIDENCE_RULES),
    pausable_stages=PAUSABLE_STAGES,
    terminal_stages=TERMINAL_STAGES,
    main_road=MAIN_ROAD,
)


def rules() -> "StageRules":
    """The program's default obligations and checklist (policy.py, checklist.py)."""
    # Imported here, not at the top: the road above is read without pydantic (road.py).
    from onboarding.domain.checklist import DEFAULT_CHECKLIST
    from onboarding.domain.policy import DEFAULT_OBLIGATIONS
    from onboarding.domain.process.model import StageRules

    return StageRules(obligations=tuple(DEFAULT_OBLIGATIONS), checklist=tuple(DEFAULT_CHECKLIST))
