"""The words every version of every process uses: stages, triggers, evidence, milestones, roles.

A process definition (process/model.py) picks its stages and triggers from here and
wires them with a transition table. The values are the contract (API bodies,
the read model, recorded histories): a value is added here once and never
renamed. A stage or trigger a version no longer uses stays, because parties on
older versions and the audit log still name it.
"""

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """Where a party stands. The values are the contract."""

    PROSPECTIVE = "prospective"
    COLLABORATION_SIGNED = "collaboration_signed"
    RESIGNATURE_REQUIRED = "resignature_required"
    OPTION_EXERCISED = "option_exercised"
    PREPARING = "preparing"
    SERVICE_AGREEMENT_SIGNED = "service_agreement_signed"
    READY = "ready"
    LIVE = "live"
    DECLINED = "declined"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    # Version 2: the call-off agreement (avropsavtale) signed after the pre-project.
    CALL_OFF_SIGNED = "call_off_signed"
    # GP offices and private specialists (issue #19): the standard agreement the
    # program offers them, which each self-employed doctor decides on for the office.
    AGREEMENT_OFFERED = "agreement_offered"
    DECISION_POSTPONED = "decision_postponed"
    AGREEMENT_SIGNED = "agreement_signed"
    # The engine's own end, common to every kind and version (no definition
    # lists it, so no trigger leaves it): a municipal reform (#20) merged or
    # divided the party, and its successors carry on (domain/reforms).
    ENDED_BY_REFORM = "ended_by_reform"


class Trigger(StrEnum):
    """What a coordinator records. The values are the contract."""

    SIGN_COLLABORATION = "sign_collaboration"
    REQUIRE_RESIGNATURE = "require_resignature"
    EXERCISE_OPTION = "exercise_option"
    DECLINE = "decline"
    START_PREPARATION = "start_preparation"
    SIGN_SERVICE_AGREEMENT = "sign_service_agreement"
    APPROVE_GO_LIVE = "approve_go_live"
    GO_LIVE = "go_live"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"
    # Version 2.
    SIGN_CALL_OFF_AGREEMENT = "sign_call_off_agreement"
    # GP offices and private specialists (issue #19).
    OFFER_STANDARD_AGREEMENT = "offer_standard_agreement"
    POSTPONE_DECISION = "postpone_decision"
    RECONSIDER = "reconsider"
    SIGN_STANDARD_AGREEMENT = "sign_standard_agreement"
    # The engine's own record of a municipal reform (#20) on a party's road: no
    # process offers it; only the reform update records it (domain/reforms).
    REFORM = "reform"


STAGE_LABELS: dict[Stage, dict[str, str]] = {
    Stage.PROSPECTIVE: {"nb": "Ikke startet", "en": "Prospective"},
    Stage.COLLABORATION_SIGNED: {
        "nb": "Samarbeidsavtale signert",
        "en": "Collaboration agreement signed",
    },
    Stage.RESIGNATURE_REQUIRED: {"nb": "Ny signatur påkrevd", "en": "Re-signature required"},
    Stage.OPTION_EXERCISED: {"nb": "Opsjon utløst", "en": "Option exercised"},
    Stage.PREPARING: {"nb": "Forberedelser", "en": "Preparing"},
    Stage.CALL_OFF_SIGNED: {"nb": "Avropsavtale signert", "en": "Call-off agreement signed"},
    Stage.SERVICE_AGREEMENT_SIGNED: {
        "nb": "Tjenesteavtale signert",
        "en": "Service agreement signed",
    },
    Stage.AGREEMENT_OFFERED: {"nb": "Standardavtale tilbudt", "en": "Standard agreement offered"},
    Stage.DECISION_POSTPONED: {"nb": "Beslutning utsatt", "en": "Decision postponed"},
    Stage.AGREEMENT_SIGNED: {"nb": "Standardavtale signert", "en": "Standard agreement signed"},
    Stage.READY: {"nb": "Klar for produksjon", "en": "Ready for go-live"},
    Stage.LIVE: {"nb": "I produksjon", "en": "Live"},
    Stage.DECLINED: {"nb": "Takket nei", "en": "Declined"},
    Stage.PAUSED: {"nb": "På vent", "en": "Paused"},
    Stage.WITHDRAWN: {"nb": "Trukket seg", "en": "Withdrawn"},
    Stage.ENDED_BY_REFORM: {"nb": "Opphørt ved kommunereform", "en": "Ended by a reform"},
}

TRIGGER_LABELS: dict[Trigger, dict[str, str]] = {
    Trigger.SIGN_COLLABORATION: {
        "nb": "Signer samarbeidsavtale og fullmakt",
        "en": "Sign collaboration agreement",
    },
    Trigger.REQUIRE_RESIGNATURE: {"nb": "Krev ny signatur", "en": "Require re-signature"},
    Trigger.EXERCISE_OPTION: {"nb": "Utløs opsjon", "en": "Exercise option"},
    Trigger.DECLINE: {"nb": "Takk nei", "en": "Decline"},
    Trigger.START_PREPARATION: {"nb": "Start forberedelser", "en": "Start preparation"},
    Trigger.SIGN_CALL_OFF_AGREEMENT: {
        "nb": "Signer avropsavtale",
        "en": "Sign call-off agreement",
    },
    Trigger.SIGN_SERVICE_AGREEMENT: {
        "nb": "Signer tjenesteavtale",
        "en": "Sign service agreement",
    },
    Trigger.OFFER_STANDARD_AGREEMENT: {
        "nb": "Tilby standardavtale",
        "en": "Offer standard agreement",
    },
    Trigger.POSTPONE_DECISION: {"nb": "Utsett beslutningen", "en": "Postpone the decision"},
    Trigger.RECONSIDER: {"nb": "Vurder tilbudet på nytt", "en": "Reconsider the offer"},
    Trigger.SIGN_STANDARD_AGREEMENT: {
        "nb": "Signer standardavtale",
        "en": "Sign standard agreement",
    },
    Trigger.APPROVE_GO_LIVE: {"nb": "Godkjenn produksjonssetting", "en": "Approve go-live"},
    Trigger.GO_LIVE: {"nb": "Produksjonssett", "en": "Go live"},
    Trigger.PAUSE: {"nb": "Sett på vent", "en": "Pause"},
    Trigger.RESUME: {"nb": "Gjenoppta", "en": "Resume"},
    Trigger.WITHDRAW: {"nb": "Trekk seg", "en": "Withdraw"},
    Trigger.REFORM: {"nb": "Kommunereform", "en": "Municipal reform"},
}

# Milestones for reports, in order along the main road. Their ranks are stored
# in the read model (audit_event.reached_rank), so this tuple only ever grows
# at its end: a stage a later version adds between two milestones (the call-off
# agreement) is not a milestone of its own.
MILESTONES: tuple[Stage, ...] = (
    Stage.COLLABORATION_SIGNED,
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.SERVICE_AGREEMENT_SIGNED,
    Stage.READY,
    Stage.LIVE,
)
MILESTONE_RANK: dict[Stage, int] = {stage: rank for rank, stage in enumerate(MILESTONES, 1)}

# The stages from which a municipality may join a production wave (and stay in
# one); a process definition names its own (ProcessDefinition.wave_stages).
MUNICIPALITY_WAVE_STAGES: frozenset[Stage] = frozenset(
    {
        Stage.OPTION_EXERCISED,
        Stage.PREPARING,
        Stage.CALL_OFF_SIGNED,
        Stage.SERVICE_AGREEMENT_SIGNED,
        Stage.READY,
        Stage.PAUSED,
    }
)

# Pause and resume are the engine's own mechanics (a paused party resumes to
# the stage it paused from), so every version shares these two stages' meaning.
TERMINAL_STAGES: frozenset[Stage] = frozenset({Stage.LIVE, Stage.WITHDRAWN})


@dataclass(frozen=True)
class EvidenceField:
    """One kind of evidence a coordinator may attach to a transition."""

    name: str
    description: str
    max_length: int = 200


EVIDENCE_FIELDS: dict[str, EvidenceField] = {
    f.name: f
    for f in (
        EvidenceField(
            "agreement_version",
            "version of the collaboration or standard agreement, e.g. 2022",
        ),
        EvidenceField("document_ref", "reference to the signed document (archive id or URL)"),
        EvidenceField("case_ref", "case number (saksnummer) of the council decision"),
        EvidenceField("reason", "why, in a sentence", max_length=2000),
        EvidenceField("signed_by", "who signed for the party: name and role"),
        # A private specialist was asked before the terms and price were set: the
        # offer names the terms it was made on.
        EvidenceField("terms_version", "version of the terms and price offered, e.g. 2023-11"),
    )
}


@dataclass(frozen=True)
class EvidenceRule:
    """Which evidence a trigger requires; any other known field is optional."""

    required: tuple[str, ...] = ()


class RecipientRole(StrEnum):
    """Who a message can be addressed to."""

    # per municipality
    MUNICIPALITY_CONTACT = "municipality_contact"
    MUNICIPAL_DIRECTOR = "municipal_director"
    # program-wide
    PROGRAM_COORDINATOR = "program_coordinator"
    PROGRAM_DIRECTOR = "program_director"
    COUNCIL = "council"
