"""A party's transitions, state and workflow inputs: the models that cross its workflow's boundary.

One input type and one result type per workflow, update, query and activity, so
fields can be added later without breaking running workflows.
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from onboarding.domain.actor import Actor
from onboarding.domain.fields import Day, IdempotencyKey
from onboarding.domain.obligations.models import ObligationView
from onboarding.domain.obligations.schedule import Obligation
from onboarding.domain.parties.correction_records import CorrectionRecord
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.migration_plan import MigrationEffect
from onboarding.domain.process.reform_plan import PartyReformEffect
from onboarding.domain.process.request_evidence import RequestEvidence
from onboarding.domain.recording import ENTERED_DESCRIPTION, Backdating
from onboarding.domain.vocabulary import Stage, Trigger

# What a state or view recorded before versions existed runs: every workflow
# then ran version 1, and the default must keep its recorded payloads reading so.
FIRST_VERSION = 1


class TransitionRequest(Backdating):
    """A transition as a coordinator asks for it (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    trigger: Trigger
    effective_on: Day | None = Field(
        None, description="the date it took effect (default: today in Europe/Oslo)"
    )
    evidence: RequestEvidence = Field(
        default_factory=dict,
        description="what the decision rests on; which fields a trigger requires depends on "
        "the version of the party's process (GET /api/processes)",
    )
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    idempotency_key: IdempotencyKey | None = None


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
    process_version: int = Field(
        FIRST_VERSION, description="the version of the process the transition was decided by"
    )
    entered_at: datetime | None = Field(None, description=ENTERED_DESCRIPTION)


class MunicipalityView(BaseModel):
    """A party's current state (any kind): the query result and the API's answer."""

    number: str = Field(description="the party's id (a municipality's is its number)")
    name: str
    county: str
    health_trust: str
    kind: PartyKind = PartyKind.MUNICIPALITY
    org_number: str | None = None
    municipality_number: str | None = Field(
        None, description="the municipality a GP office or specialist practises in"
    )
    specialty: str | None = None
    staff_count: int | None = None
    stage: Stage
    paused_from: Stage | None
    allowed_triggers: list[Trigger]
    last_transition: TransitionRecord | None
    process_version: int = FIRST_VERSION
    wave_id: str | None = None
    go_live_at: datetime | None = None
    missed_go_live: str | None = Field(None, description="the wave whose go-live it missed")
    go_live_blockers: list[str] = Field(
        default_factory=list, description="conditions still missing for approve_go_live"
    )
    current_number: str | None = Field(
        None, description="a renumbered municipality's number now (none: its number is its id)"
    )
    ended_by_reform: str | None = Field(
        None, description="the reform that merged or divided it (its stage is ended_by_reform)"
    )
    successors: list[str] = Field(
        default_factory=list, description="the parties that carry it on after that reform"
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
    entered_at: datetime | None = Field(None, description=ENTERED_DESCRIPTION)


class MunicipalityState(BaseModel):
    """The whole state of a municipality workflow, handed through continue-as-new."""

    municipality: Party  # the party (any kind); the name payloads have always used
    stage: Stage = Stage.PROSPECTIVE
    paused_from: Stage | None = None
    seq: int = 0
    last_transition: TransitionRecord | None = None
    registered: bool = False
    # First answers to transitions by idempotency key, oldest first, bounded.
    results_by_key: dict[str, MunicipalityView] = Field(default_factory=dict)
    process_version: int = FIRST_VERSION
    obligations: dict[str, Obligation] = Field(default_factory=dict)
    # Deadline changes by idempotency key: the first answer to each, so a
    # retried request changes nothing and gets that answer (bounded, see workflow).
    deadline_answers: dict[str, ObligationView] = Field(default_factory=dict)
    # Keys only, kept by runs from before `deadline_answers`: read, never grown.
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
    # life; the newest hundred are carried into a new run (see earlier_records).
    # Empty for runs started before corrections existed (see the workflow).
    records: list[TransitionRecord] = Field(default_factory=list)
    # False for a state carried over from before corrections existed: its
    # `records` miss the older transitions, so corrections are refused there.
    records_complete: bool = False
    # Transitions in force older than those `records` carries into a new run
    # (parties/carried.py), the last of each trigger and stage: what a reform's
    # standing reads. Empty while `records` holds them all.
    earlier_records: list[TransitionRecord] = Field(default_factory=list)
    correction_keys: dict[str, "CorrectionResult"] = Field(default_factory=dict)
    # Migrations applied, by id, with their effect: each once (a repeat answers it).
    migrations: dict[str, MigrationEffect] = Field(default_factory=dict)
    # For a party that waits for its municipality (a GP office): the
    # municipality's stage, as the workflow asked the read model for the
    # approve_go_live it is deciding; None at any other time (nothing blocks).
    home_stage: Stage | None = None
    # Municipal reforms (#20) applied, by id, with their effect: each once.
    reforms: dict[str, PartyReformEffect] = Field(default_factory=dict)
    # A renumbered municipality's number now (None: its number is its id).
    current_number: str | None = None
    # The reform that ended it (merged or divided), and who carries it on.
    ended_by_reform: str | None = None
    successors: list[str] = Field(default_factory=list)

    @property
    def kind(self) -> PartyKind:
        """The kind of party: which process it walks."""
        return self.municipality.kind


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

    municipality: Party  # the party (any kind); the name payloads have always used
    workflow_id: str
    run_id: str


class RunInput(BaseModel):
    """Activity input: note a run of a municipality's workflow (continue-as-new makes new runs)."""

    municipality: Party  # the party (any kind); the name payloads have always used
    workflow_id: str
    run_id: str


class ProjectionInput(BaseModel):
    """Activity input: write one accepted transition to the read model."""

    municipality: Party  # the party (any kind); the name payloads have always used
    record: TransitionRecord
    stage: Stage
    paused_from: Stage | None
    # The obligations after the transition (opened, fulfilled, paused, cancelled).
    obligations: list[ObligationView] = Field(default_factory=list)


class PartyStageInput(BaseModel):
    """Activity input: ask the read model where a party stands (a GP office's municipality)."""

    party: str


class PartyStageResult(BaseModel):
    """Where the party stands in the read model; None if it has no row (not registered)."""

    stage: Stage | None = None


class CorrectionResult(BaseModel):
    """The correction update's result: the correction and the state it leaves."""

    correction: CorrectionRecord
    municipality: MunicipalityView


# MunicipalityState refers to CorrectionResult, defined after it.
MunicipalityState.model_rebuild()
