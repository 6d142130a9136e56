"""Corrections of recorded transitions: the request, and the record the audit log keeps."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from onboarding.domain.actor import Actor
from onboarding.domain.fields import Day, IdempotencyKey
from onboarding.domain.obligations.models import ObligationView
from onboarding.domain.party import Party
from onboarding.domain.vocabulary import Stage, Trigger


class CorrectionKind(StrEnum):
    """What a correction does to a recorded transition."""

    AMEND = "amend"  # its effective date or evidence was recorded wrongly
    VOID = "void"  # it should never have been recorded (only the last one)


class CorrectionRequest(BaseModel):
    """A correction as an admin or coordinator asks for it (API body, CLI).

    `void` takes the transition back (the stage returns to where it was);
    otherwise give a new `effective_on`, `evidence` fields to set, or both.
    The recorded transition itself is never edited: the correction is a new,
    audited record beside it.
    """

    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(ge=1, description="id of the audit event (transition) to correct")
    reason: Annotated[
        str,
        StringConstraints(min_length=1, max_length=2000, strip_whitespace=True, pattern=r"\S"),
    ]
    void: bool = Field(False, description="take the (last) transition back")
    effective_on: Day | None = Field(None, description="the date it really took effect")
    evidence: dict[str, str] | None = Field(
        None, description="evidence fields to set (merged over the recorded evidence)"
    )
    idempotency_key: IdempotencyKey | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "CorrectionRequest":
        if self.void and (self.effective_on is not None or self.evidence is not None):
            raise PydanticCustomError(
                "invalid_request",
                "{message}",
                {"field": "void", "message": "a void takes no effective_on or evidence"},
            )
        if not self.void and self.effective_on is None and not self.evidence:
            raise PydanticCustomError(
                "invalid_request",
                "{message}",
                {
                    "field": "effective_on",
                    "message": "give effective_on, evidence or both (or void: true)",
                },
            )
        return self

    @property
    def kind(self) -> CorrectionKind:
        """Amend or void."""
        return CorrectionKind.VOID if self.void else CorrectionKind.AMEND


class CorrectionCommand(CorrectionRequest):
    """The workflow update's input: the request, the transition's seq, and who asked."""

    target_seq: int = Field(ge=1)
    actor: Actor


class CorrectionRecord(BaseModel):
    """An accepted correction, exactly as the audit log keeps it."""

    seq: int = Field(description="the workflow's sequence: corrections and transitions share it")
    kind: CorrectionKind
    event_id: int
    target_seq: int
    trigger: Trigger
    effective_on_before: date
    effective_on_after: date | None = Field(description="the corrected date; None for a void")
    evidence_before: dict[str, str]
    evidence_after: dict[str, str] | None
    stage_before: Stage
    stage_after: Stage
    reason: str
    actor: Actor
    recorded_at: datetime
    idempotency_key: str | None
    workflow_id: str
    run_id: str


class CorrectionProjection(BaseModel):
    """Activity input: write one accepted correction and the state it leaves."""

    municipality: Party  # the party (any kind); the name payloads have always used
    record: CorrectionRecord
    stage: Stage
    paused_from: Stage | None
    obligations: list[ObligationView] = Field(default_factory=list)
