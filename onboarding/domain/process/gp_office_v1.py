"""The GP office process (fastlegekontor), version 1: a standard agreement, then go-live.

A GP office is run by self-employed doctors, so no council decides for it:
the program offers the standard agreement the Norwegian Medical Association
(Legeforeningen) negotiated on the offices' behalf, and the office signs it,
declines, or asks to decide later. Joining is voluntary, so declining and
postponing are ordinary roads, not failures: a postponed or declined office
may take the offer up again. Once signed, the office prepares with the
wave it joins and goes live with it.
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

KEY = "gp_office"

STAGES: tuple[Stage, ...] = (
    Stage.PROSPECTIVE,
    Stage.AGREEMENT_OFFERED,
    Stage.DECISION_POSTPONED,
    Stage.AGREEMENT_SIGNED,
    Stage.PREPARING,
    Stage.READY,
    Stage.LIVE,
    Stage.DECLINED,
    Stage.PAUSED,
    Stage.WITHDRAWN,
)

TRIGGERS: tuple[Trigger, ...] = (
    Trigger.OFFER_STANDARD_AGREEMENT,
    Trigger.POSTPONE_DECISION,
    Trigger.RECONSIDER,
    Trigger.DECLINE,
    Trigger.SIGN_STANDARD_AGREEMENT,
    Trigger.START_PREPARATION,
    Trigger.APPROVE_GO_LIVE,
    Trigger.GO_LIVE,
    Trigger.PAUSE,
    Trigger.RESUME,
    Trigger.WITHDRAW,
)

MAIN_ROAD: tuple[Stage, ...] = (
    Stage.PROSPECTIVE,
    Stage.AGREEMENT_OFFERED,
    Stage.AGREEMENT_SIGNED,
    Stage.PREPARING,
    Stage.READY,
    Stage.LIVE,
)

# A signed office joins a wave; it stays in it through preparation and approval.
WAVE_STAGES: frozenset[Stage] = frozenset(
    {Stage.AGREEMENT_SIGNED, Stage.PREPARING, Stage.READY, Stage.PAUSED}
)

# Postponing is the office's own way to wait; pause is the program's, once signed.
PAUSABLE_STAGES: tuple[Stage, ...] = (Stage.AGREEMENT_SIGNED, Stage.PREPARING)

EVIDENCE_RULES: dict[Trigger, EvidenceRule] = {
    Trigger.OFFER_STANDARD_AGREEMENT: EvidenceRule(("agreement_version", "document_ref")),
    Trigger.POSTPONE_DECISION: EvidenceRule(("reason",)),
    Trigger.RECONSIDER: EvidenceRule(),
    # No council here: the office's own word, so a reason and no case number.
    Trigger.DECLINE: EvidenceRule(("reason",)),
    Trigger.SIGN_STANDARD_AGREEMENT: EvidenceRule(
        ("agreement_version", "signed_by", "document_ref")
    ),
    Trigger.START_PREPARATION: EvidenceRule(),
    Trigger.APPROVE_GO_LIVE: EvidenceRule(),
    Trigger.GO_LIVE: EvidenceRule(),
    Trigger.PAUSE: EvidenceRule(("reason",)),
    Trigger.RESUME: EvidenceRule(),
    Trigger.WITHDRAW: EvidenceRule(("reason",)),
}

TRANSITION_TABLE: list[dict[str, object]] = [
    {
        "trigger": Trigger.OFFER_STANDARD_AGREEMENT,
        "source": Stage.PROSPECTIVE,
        "dest": Stage.AGREEMENT_OFFERED,
    },
    {
        "trigger": Trigger.POSTPONE_DECISION,
        "source": Stage.AGREEMENT_OFFERED,
        "dest": Stage.DECISION_POSTPONED,
    },
    # The offer stands: an office that waited, or said no, may take it up again.
    {
        "trigger": Trigger.RECONSIDER,
        "source": [Stage.DECISION_POSTPONED, Stage.DECLINED],
        "dest": Stage.AGREEMENT_OFFERED,
    },
    {
        "trigger": Trigger.DECLINE,
        "source": [Stage.AGREEMENT_OFFERED, Stage.DECISION_POSTPONED],
        "dest": Stage.DECLINED,
    },
    {
        "trigger": Trigger.SIGN_STANDARD_AGREEMENT,
        "source": Stage.AGREEMENT_OFFERED,
        "dest": Stage.AGREEMENT_SIGNED,
    },
    {
        "trigger": Trigger.START_PREPARATION,
        "source": Stage.AGREEMENT_SIGNED,
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
    title="Fastlegekontor, versjon 1",
    released_on=date(2026, 12, 3),
    changes=(
        "The first version for GP offices: the standard agreement Legeforeningen "
        "negotiated is offered, and the office signs, declines or postpones.",
        "A postponed or declined office may reconsider the offer.",
        "A shorter checklist than a municipality's, from 60 days before go-live.",
    ),
    stages=STAGES,
    triggers=TRIGGERS,
    transitions=tuple(MappingProxyType(row) for row in TRANSITION_TABLE),
    evidence_rules=MappingProxyType(EVIDENCE_RULES),
    pausable_stages=PAUSABLE_STAGES,
    terminal_stages=TERMINAL_STAGES,
    main_road=MAIN_ROAD,
    milestones=tuple(stage for stage in MILESTONES if stage in STAGES),
    wave_stages=WAVE_STAGES,
    # An office's patients are the municipality's too: the office goes live
    # with or after its municipality (the first go-live joined Trondheim with
    # the city's GP offices).
    waits_for_home_municipality=True,
)


def rules() -> "StageRules":
    """An office's obligations (its decision, a postponed one taken up again) and checklist."""
    # Imported here, not at the top: the road above is read without pydantic (road.py).
    from onboarding.domain.checklist import ChecklistItemId, ChecklistItemRule, template_items
    from onboarding.domain.policy import ObligationRule
    from onboarding.domain.process.model import StageRules

    obligations: tuple[ObligationRule, ...] = (
        ObligationRule(
            id=Trigger.SIGN_STANDARD_AGREEMENT,
            label="Sign the standard agreement (or decline, or postpone)",
            stages=[Stage.AGREEMENT_OFFERED],
            default_deadline_days=90,
        ),
        # "Ask us again in half a year": the program comes back to a postponed office.
        ObligationRule(
            id=Trigger.RECONSIDER,
            label="Take the postponed decision up again",
            stages=[Stage.DECISION_POSTPONED],
            default_deadline_days=180,
        ),
    )

    # A small office: its own machines and network, its patient records moved from
    # the office's current record system, a super-user among its staff. The
    # platform's integrations are the program's, tested once for every office.
    checklist: tuple[ChecklistItemRule, ...] = template_items(
        {
            ChecklistItemId.TECHNICAL_INFRASTRUCTURE: 60,
            ChecklistItemId.SUPER_USERS_TRAINED: 45,
            ChecklistItemId.END_USER_TRAINING_STARTED: 30,
            ChecklistItemId.DATA_MIGRATION_REHEARSED: 21,
            ChecklistItemId.GO_NO_GO_MEETING: 7,
        }
    )
    return StageRules(obligations=obligations, checklist=checklist)
