"""Pydantic models that cross a boundary: workflow inputs and results, API bodies.

One input type and one result type per workflow, update, query and activity, so
fields can be added later without breaking running workflows.
"""

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from onboarding.errors import InvalidEvidence

# Re-exported: callers import the municipality types from here too.
from onboarding.municipality import Municipality as Municipality
from onboarding.municipality import MunicipalityNumber as MunicipalityNumber
from onboarding.obligations import Obligation, ObligationStatus, ScheduledMessage
from onboarding.policy import ReminderPolicy
from onboarding.process import PROCESS_VERSION, Stage, Trigger, check_evidence

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*")


def _day_text(value: object) -> object:
    # Pydantic alone takes 0 (a Unix time) for a date; a body's day is YYYY-MM-DD
    # (or a date, from Python), as the OpenAPI document's `format: date` says.
    if isinstance(value, (int, float)) or (isinstance(value, str) and not _DAY.fullmatch(value)):
        raise PydanticCustomError(
            "date_format", "{message}", {"message": f"{value!r} is not a date; give YYYY-MM-DD"}
        )
    return value


def _moment_text(value: object) -> object:
    # As _day_text, for `format: date-time`: a date and a time of day, never a number.
    if isinstance(value, (int, float)) or (isinstance(value, str) and not _MOMENT.fullmatch(value)):
        raise PydanticCustomError(
            "datetime_format",
            "{message}",
            {"message": f"{value!r} is not a date-time; give e.g. 2025-04-25T22:00:00+02:00"},
        )
    return value


Day = Annotated[date, BeforeValidator(_day_text)]
"""A day in a request: YYYY-MM-DD in JSON, never a number."""

Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text)]
"""A date-time with offset in a request: ISO 8601 in JSON, never a number."""

IdempotencyKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$"),
    Field(description="client-chosen key; a repeat returns the first result"),
]


class Actor(BaseModel):
    """Who recorded something: a user or token id, its name and role."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: str


class TransitionRequest(BaseModel):
    """A transition as a coordinator asks for it (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    trigger: Trigger
    effective_on: Day | None = Field(
        None, description="the date it took effect (default: today in Europe/Oslo)"
    )
    # validate_default: a request with no evidence at all must still be checked
    # against what the trigger requires.
    evidence: dict[str, str] = Field(default_factory=dict, validate_default=True)
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    idempotency_key: IdempotencyKey | None = None

    @field_validator("evidence")
    @classmethod
    def _evidence_fits_trigger(cls, evidence: dict[str, str], info: object) -> dict[str, str]:
        trigger = getattr(info, "data", {}).get("trigger")
        if trigger is None:  # the trigger itself failed validation; reported there
            return evidence
        try:
            return check_evidence(trigger, evidence)
        except InvalidEvidence as err:
            raise PydanticCustomError("evidence", "{field}: {message}", err.to_detail()) from None


class TransitionCommand(TransitionRequest):
    """The workflow update's input: the request plus who asked."""

    actor: Actor


class TransitionRecord(BaseModel):
    """An accepted transition, exactly as the audit log keeps it."""

    seq: int = Field(description="1, 2, ... per municipality, across continue-as-new")
    trigger: Trigger
    from_stage: Stage
    to_stage: Stage
    effective_on: date
    evidence: dict[str, str]
    comment: str | None
    actor: Actor
    recorded_at: datetime
    idempotency_key: str | None
    workflow_id: str
    run_id: str


class MunicipalityView(BaseModel):
    """A municipality's current state: the query result and the API's answer."""

    number: str
    name: str
    county: str
    health_trust: str
    stage: Stage
    paused_from: Stage | None
    allowed_triggers: list[Trigger]
    last_transition: TransitionRecord | None
    process_version: int = PROCESS_VERSION
    wave_id: str | None = None
    go_live_at: datetime | None = None
    missed_go_live: str | None = Field(None, description="the wave whose go-live it missed")
    go_live_blockers: list[str] = Field(
        default_factory=list, description="conditions still missing for approve_go_live"
    )


class WaveMembership(BaseModel):
    """Which wave a municipality belongs to, as its own workflow keeps it."""

    wave_id: str
    go_live_at: datetime
    # 1, 2, ... per municipality: tells a stale "member left" from a current one.
    seq: int
    joined_at: datetime
    # The wave it moved here from: the answer to a join repeated after its first
    # answer was lost (a wave retrying its call) must still say it was a move.
    moved_from: str | None = None


class ChecklistCompletion(BaseModel):
    """A checklist item marked done: when it was done, by whom, on what evidence."""

    item: str
    done_on: date
    evidence: dict[str, str]
    comment: str | None = None
    actor: Actor
    recorded_at: datetime


class MunicipalityState(BaseModel):
    """The whole state of a municipality workflow, handed through continue-as-new."""

    municipality: Municipality
    stage: Stage = Stage.PROSPECTIVE
    paused_from: Stage | None = None
    seq: int = 0
    last_transition: TransitionRecord | None = None
    registered: bool = False
    # Results by idempotency key, oldest first, bounded (see workflow).
    results_by_key: dict[str, MunicipalityView] = Field(default_factory=dict)
    process_version: int = PROCESS_VERSION
    obligations: dict[str, Obligation] = Field(default_factory=dict)
    # Deadline changes by idempotency key, so a retried request changes nothing.
    deadline_keys: list[str] = Field(default_factory=list)
    # Production waves (#4): the wave it belongs to, its checklist, a missed go-live.
    wave: WaveMembership | None = None
    wave_seq: int = 0
    checklist_done: dict[str, ChecklistCompletion] = Field(default_factory=dict)
    missed_go_live: str | None = None
    # approve_go_live needs a wave and a done checklist. None in workflows
    # started before waves existed: on at their next update (a patch marker).
    # False only for tests of the bare process.
    readiness_guard: bool | None = None
    # The transitions in force (not voided, amendments applied), oldest first:
    # what a correction is checked against. A few dozen over a municipality's
    # life. Empty for runs started before corrections existed (see the workflow).
    records: list[TransitionRecord] = Field(default_factory=list)
    # False for a state carried over from before corrections existed: its
    # `records` miss the older transitions, so corrections are refused there.
    records_complete: bool = False
    correction_keys: dict[str, "CorrectionResult"] = Field(default_factory=dict)


class MunicipalityWorkflowInput(BaseModel):
    """Start (or continue-as-new) input of the municipality workflow."""

    state: MunicipalityState
    policy: ReminderPolicy = Field(default_factory=ReminderPolicy)
    # Continue as new once the run's history passes this many events. Small in
    # tests; the default keeps replay after a worker restart well under a second.
    continue_as_new_after_events: int = Field(2_000, ge=50)
    idempotency_keys_kept: int = Field(200, ge=1)


class RegistrationInput(BaseModel):
    """Activity input: make sure the municipality has its read-model row."""

    municipality: Municipality
    workflow_id: str
    run_id: str


class RunInput(BaseModel):
    """Activity input: note a run of a municipality's workflow (continue-as-new makes new runs)."""

    municipality: Municipality
    workflow_id: str
    run_id: str


class DeadlineRequest(BaseModel):
    """Set or move the deadline of an obligation (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    deadline: Day
    reason: Annotated[
        str,
        StringConstraints(min_length=1, max_length=2000, strip_whitespace=True, pattern=r"\S"),
    ]
    idempotency_key: IdempotencyKey | None = None


class DeadlineCommand(DeadlineRequest):
    """The workflow update's input: which obligation, the request, and who asked."""

    obligation_id: str
    actor: Actor


class ObligationView(BaseModel):
    """An obligation as users see it: deadline, status, level, and what is still to come."""

    id: str
    label: str
    status: ObligationStatus
    deadline: date | None
    effective_deadline: date | None = Field(
        description="the deadline moved to the previous business day, if it is not one"
    )
    opened_on: date
    closed_on: date | None
    escalation_level: int
    pending: list[ScheduledMessage] = Field(
        description="reminders and escalations still to go out, in time order"
    )


class DeadlineChange(BaseModel):
    """An accepted deadline change, as the audit log keeps it."""

    obligation_id: str
    deadline_before: date | None
    deadline_after: date
    reason: str
    actor: Actor
    recorded_at: datetime
    workflow_id: str
    run_id: str


class ObligationProjection(BaseModel):
    """Activity input: the obligations' current state, and a deadline change if any."""

    municipality: Municipality
    obligations: list[ObligationView]
    change: DeadlineChange | None = None


class ProjectionInput(BaseModel):
    """Activity input: write one accepted transition to the read model."""

    municipality: Municipality
    record: TransitionRecord
    stage: Stage
    paused_from: Stage | None
    # The obligations after the transition (opened, fulfilled, paused, cancelled).
    obligations: list[ObligationView] = Field(default_factory=list)


# -- corrections -----------------------------------------------------------------


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

    municipality: Municipality
    record: CorrectionRecord
    stage: Stage
    paused_from: Stage | None
    obligations: list[ObligationView] = Field(default_factory=list)


class CorrectionResult(BaseModel):
    """The correction update's result: the correction and the state it leaves."""

    correction: CorrectionRecord
    municipality: MunicipalityView


# MunicipalityState refers to CorrectionResult, defined after it.
MunicipalityState.model_rebuild()
