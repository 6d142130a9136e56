"""Pydantic models that cross a boundary: workflow inputs and results, API bodies.

One input type and one result type per workflow, update, query and activity, so
fields can be added later without breaking running workflows.
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from onboarding.errors import InvalidEvidence

# Re-exported: callers import the municipality types from here too.
from onboarding.municipality import Municipality as Municipality
from onboarding.municipality import MunicipalityNumber as MunicipalityNumber
from onboarding.obligations import Obligation, ObligationStatus, ScheduledMessage
from onboarding.policy import ReminderPolicy
from onboarding.process import PROCESS_VERSION, Stage, Trigger, check_evidence

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
    effective_on: date | None = Field(
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


class DeadlineRequest(BaseModel):
    """Set or move the deadline of an obligation (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    deadline: date
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
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
