"""The municipality process, version 2: preparation as the real rollout ran it.

Preparation (forberedelser) is a non-binding pre-project (forprosjekt) that
ends in a signed call-off agreement (avropsavtale) before the binding service
agreement; both signatures name who signed. The checklist starts end-user
training earlier: one pair of municipalities trained 1,700 staff from three
and a half months before go-live. Everything else is version 1's road.
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
    Stage.CALL_OFF_SIGNED,
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
    Trigger.SIGN_CALL_OFF_AGREEMENT,
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
    Stage.CALL_OFF_SIGNED,
    Stage.SERVICE_AGREEMENT_SIGNED,
    Stage.READY,
    Stage.LIVE,
)

PAUSABLE_STAGES: tuple[Stage, ...] = (
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.CALL_OFF_SIGNED,
    Stage.SERVICE_AGREEMENT_SIGNED,
)

EVIDENCE_RULES: dict[Trigger, EvidenceRule] = {
    Trigger.SIGN_COLLABORATION: EvidenceRule(("agreement_version", "document_ref")),
    Trigger.REQUIRE_RESIGNATURE: EvidenceRule(("agreement_version",)),
    Trigger.EXERCISE_OPTION: EvidenceRule(("case_ref",)),
    Trigger.DECLINE: EvidenceRule(("case_ref", "reason")),
    Trigger.START_PREPARATION: EvidenceRule(),
    Trigger.SIGN_CALL_OFF_AGREEMENT: EvidenceRule(("document_ref", "signed_by")),
    Trigger.SIGN_SERVICE_AGREEMENT: EvidenceRule(("document_ref", "signed_by")),
    Trigger.APPROVE_GO_LIVE: EvidenceRule(),
    Trigger.GO_LIVE: EvidenceRule(),
    Trigger.PAUSE: EvidenceRule(("reason",)),
    Trigger.RESUME: EvidenceRule(),
    Trigger.WITHDRAW: EvidenceRule(("reason",)),
}

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
        "source": [
            Stage.COLLABORATION_SIGNED,
            Stage.OPTION_EXERCISED,
            Stage.PREPARING,
            Stage.CALL_OFF_SIGNED,
        ],
        "dest": Stage.DECLINED,
    },
    {
        "trigger": Trigger.START_PREPARATION,
        "source": Stage.OPTION_EXERCISED,
        "dest": Stage.PREPARING,
    },
    {
        "trigger": Trigger.SIGN_CALL_OFF_AGREEMENT,
        "source": Stage.PREPARING,
        "dest": Stage.CALL_OFF_SIGNED,
    },
    {
        "trigger": Trigger.SIGN_SERVICE_AGREEMENT,
        "source": Stage.CALL_OFF_SIGNED,
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
    version=2,
    title="Kommune, versjon 2",
    released_on=date(2026, 12, 3),
    changes=(
        "Preparation is a non-binding pre-project that ends in a signed call-off "
        "agreement (avropsavtale), before the service agreement.",
        "The call-off and service agreements name who signed (evidence signed_by).",
        "End-user training starts 105 days before go-live (was 60).",
    ),
    stages=STAGES,
    triggers=TRIGGERS,
    transitions=tuple(MappingProxyType(row) for row in TRANSITION_TABLE),
    evidence_rules=MappingProxyType(EVIDENCE_RULES),
    pausable_stages=PAUSABLE_STAGES,
    terminal_stages=TERMINAL_STAGES,
    main_road=MAIN_ROAD,
)


def rules() -> "StageRules":
    """Version 2's obligations (the call-off agreement's among them) and checklist."""
    # Imported here, not at the top: the road above is read without pydantic (road.py).
    from onboarding.domain.checklist import DEFAULT_CHECKLIST, ChecklistItemId
    from onboarding.domain.policy import ObligationRule
    from onboarding.domain.process.model import StageRules

    obligations: tuple[ObligationRule, ...] = (
        ObligationRule(
            id=Trigger.EXERCISE_OPTION,
            label="Exercise the option (council decision)",
            stages=[Stage.COLLABORATION_SIGNED],
        ),
        ObligationRule(
            id=Trigger.SIGN_COLLABORATION,
            label="Sign the new collaboration agreement",
            stages=[Stage.RESIGNATURE_REQUIRED],
            default_deadline_days=120,
        ),
        ObligationRule(
            id=Trigger.SIGN_CALL_OFF_AGREEMENT,
            label="Sign the call-off agreement",
            stages=[Stage.PREPARING],
        ),
        ObligationRule(
            id=Trigger.SIGN_SERVICE_AGREEMENT,
            label="Sign the service agreement",
            stages=[Stage.CALL_OFF_SIGNED],
        ),
    )

    checklist = tuple(
        rule.model_copy(update={"days_before_go_live": 105})
        if rule.id is ChecklistItemId.END_USER_TRAINING_STARTED
        else rule
        for rule in DEFAULT_CHECKLIST
    )
    return StageRules(obligations=obligations, checklist=checklist)
