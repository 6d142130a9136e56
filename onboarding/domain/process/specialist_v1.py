"""The private specialist process (avtalespesialist), version 1: a GP office's road, opened later.

Private specialists with an agreement with the health trust sign the same
kind of standard agreement as GP offices, on the same road (gp_office_v1's
stages, transitions, obligations and checklist). Two things differ. When
they were first asked, the terms and the price of the service were not yet
set, so the offer and the signature name the terms they were made on
(evidence terms_version). And the program opened the offer to specialists
only on 1 November 2023: an offer cannot take effect before that day.
"""

from datetime import date
from types import MappingProxyType

from onboarding.domain.process import gp_office_v1 as gp_office
from onboarding.domain.process.road import ProcessRoad
from onboarding.domain.vocabulary import TERMINAL_STAGES, EvidenceRule, Trigger

KEY = "specialist"

# The day the program opened the standard agreement to private specialists.
OFFER_OPENS = date(2023, 11, 1)

EVIDENCE_RULES: dict[Trigger, EvidenceRule] = {
    **gp_office.EVIDENCE_RULES,
    Trigger.OFFER_STANDARD_AGREEMENT: EvidenceRule(
        ("agreement_version", "terms_version", "document_ref")
    ),
    Trigger.SIGN_STANDARD_AGREEMENT: EvidenceRule(
        ("agreement_version", "terms_version", "signed_by", "document_ref")
    ),
}

ROAD = ProcessRoad(
    key=KEY,
    version=1,
    title="Avtalespesialist, versjon 1",
    released_on=date(2026, 12, 3),
    changes=(
        "The first version for private specialists: a GP office's road, the "
        "standard agreement offered, signed, declined or postponed.",
        "The offer can take effect from 1 November 2023, when the program opened it "
        "to specialists.",
        "The offer and the signature name the terms and price they were made on "
        "(evidence terms_version).",
    ),
    stages=gp_office.STAGES,
    triggers=gp_office.TRIGGERS,
    transitions=tuple(MappingProxyType(row) for row in gp_office.TRANSITION_TABLE),
    evidence_rules=MappingProxyType(EVIDENCE_RULES),
    pausable_stages=gp_office.PAUSABLE_STAGES,
    wave_stages=gp_office.WAVE_STAGES,
    terminal_stages=TERMINAL_STAGES,
    main_road=gp_office.MAIN_ROAD,
    milestones=gp_office.ROAD.milestones,
    offerable_from=MappingProxyType({Trigger.OFFER_STANDARD_AGREEMENT: OFFER_OPENS}),
)

# An office's obligations and checklist, as they are.
rules = gp_office.rules
