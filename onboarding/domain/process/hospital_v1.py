"""The hospital process (sykehus), version 1: its own readiness and go-live.

A hospital of a health trust signs nothing with the program on its own (its
trust owns the platform with the municipalities), so its road starts at
preparation. It is the anchor of its trust's waves: its go-live fixes the
date the trust's municipalities plan around, so its checklist starts earlier
and is longer than theirs (thousands of staff to train, the lab, radiology
and medical-device integrations to test). It cannot decline; it can be
paused while preparing, or withdrawn.
"""

from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from onboarding.domain.process.road import ProcessRoad
from onboarding.domain.process.wiring import pause_and_resume, withdraw_from
from onboarding.domain.vocabulary import (
    MILESTONES,
    TERMINAL_STAGES,
    EvidenceRule,
    Stage,
    Trigger,
)

if TYPE_CHECKING:
    from onboarding.domain.process.model import StageRules

KEY = "hospital"

STAGES: tuple[Stage, ...] = (
    Stage.PROSPECTIVE,
    Stage.PREPARING,
    Stage.READY,
    Stage.LIVE,
    Stage.PAUSED,
    Stage.WITHDRAWN,
)

TRIGGERS: tuple[Trigger, ...] = (
    Trigger.START_PREPARATION,
    Trigger.APPROVE_GO_LIVE,
    Trigger.GO_LIVE,
    Trigger.PAUSE,
    Trigger.RESUME,
    Trigger.WITHDRAW,
)

MAIN_ROAD: tuple[Stage, ...] = (Stage.PROSPECTIVE, Stage.PREPARING, Stage.READY, Stage.LIVE)

PAUSABLE_STAGES: tuple[Stage, ...] = (Stage.PREPARING,)

# A hospital is the anchor of its health trust's wave from its preparation on.
WAVE_STAGES: frozenset[Stage] = frozenset({Stage.PREPARING, Stage.READY, Stage.PAUSED})

EVIDENCE_RULES: dict[Trigger, EvidenceRule] = {
    # The trust joined the platform as its owner: no decision of the hospital's own.
    Trigger.START_PREPARATION: EvidenceRule(),
    Trigger.APPROVE_GO_LIVE: EvidenceRule(),
    Trigger.GO_LIVE: EvidenceRule(),
    Trigger.PAUSE: EvidenceRule(("reason",)),
    Trigger.RESUME: EvidenceRule(),
    Trigger.WITHDRAW: EvidenceRule(("reason",)),
}

TRANSITION_TABLE: list[dict[str, object]] = [
    {
        "trigger": Trigger.START_PREPARATION,
        "source": Stage.PROSPECTIVE,
        "dest": Stage.PREPARING,
    },
    {
        "trigger": Trigger.APPROVE_GO_LIVE,
        "source": Stage.PREPARING,
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
    title="Sykehus, versjon 1",
    released_on=date(2026, 12, 3),
    changes=(
        "The first version for hospitals: preparation, approval and go-live, the "
        "anchor of the health trust's waves.",
        "It cannot decline: its trust owns the platform; it can be paused while preparing.",
        "Every checklist item of a municipality's, from 240 days before go-live.",
    ),
    stages=STAGES,
    triggers=TRIGGERS,
    transitions=tuple(MappingProxyType(row) for row in TRANSITION_TABLE),
    evidence_rules=MappingProxyType(EVIDENCE_RULES),
    pausable_stages=PAUSABLE_STAGES,
    wave_stages=WAVE_STAGES,
    terminal_stages=TERMINAL_STAGES,
    main_road=MAIN_ROAD,
    milestones=tuple(stage for stage in MILESTONES if stage in STAGES),
)


def rules() -> "StageRules":
    """A hospital's obligation (its board's decision) and its checklist, from 240 days ahead."""
    # Imported here, not at the top: the road above is read without pydantic (road.py).
    from onboarding.domain.checklist import ChecklistItemId, ChecklistItemRule, template_items
    from onboarding.domain.policy import ObligationRule
    from onboarding.domain.process.model import StageRules

    obligations: tuple[ObligationRule, ...] = (
        ObligationRule(
            id=Trigger.START_PREPARATION,
            label="Start the hospital's preparation (board decision)",
            stages=[Stage.PROSPECTIVE],
        ),
    )

    # Every item of a municipality's checklist, each falling due earlier.
    checklist: tuple[ChecklistItemRule, ...] = template_items(
        {
            ChecklistItemId.TECHNICAL_INFRASTRUCTURE: 240,
            ChecklistItemId.INTEGRATIONS_TESTED: 150,
            ChecklistItemId.SUPER_USERS_TRAINED: 135,
            ChecklistItemId.END_USER_TRAINING_STARTED: 120,
            ChecklistItemId.DATA_MIGRATION_REHEARSED: 45,
            ChecklistItemId.GO_NO_GO_MEETING: 14,
        }
    )
    return StageRules(obligations=obligations, checklist=checklist)
