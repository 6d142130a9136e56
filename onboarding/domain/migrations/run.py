"""A migration run over many parties: its input, each party's outcome, and its progress.

The migration workflow (workflows/migration.py) carries these through
continue-as-new; the API answers progress from its query. Effects themselves
are in the read model (one row per party); the run keeps each party's
outcome only, so its state stays small at any region's size.
"""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from onboarding.domain.actor import Actor
from onboarding.domain.process.migration_plan import (
    MigrationCommand,
    MigrationEffect,
    MigrationPlan,
)
from onboarding.domain.vocabulary import Stage


class PartyOutcomeStatus(StrEnum):
    """How one party's migration ended."""

    MIGRATED = "migrated"
    ALREADY = "already"  # it had this migration: nothing changed again
    REFUSED = "refused"  # the plan does not fit it (`error` says why); nothing changed
    FAILED = "failed"  # the call kept failing (`error` says how); it may be run again


class PartyOutcome(BaseModel):
    """One party's outcome in a run."""

    number: str
    status: PartyOutcomeStatus
    to_stage: Stage | None = None
    error: dict[str, Any] | None = None


class MigrationCall(BaseModel):
    """Activity input: migrate one party as part of a run."""

    number: str
    command: MigrationCommand


class MigrationCallResult(BaseModel):
    """Activity result: the party's effect, or why it refused the plan."""

    effect: MigrationEffect | None = None
    error: dict[str, Any] | None = None


class MigrationRunInput(BaseModel):
    """Start (or continue-as-new) input of the migration workflow."""

    plan: MigrationPlan
    actor: Actor
    numbers: list[str] = Field(description="the parties selected, in order, each once")
    paused: bool = False
    outcomes: dict[str, PartyOutcome] = Field(default_factory=dict)
    continue_as_new_after_events: int = Field(2_000, ge=50)


class MigrationProgress(BaseModel):
    """Where a run stands: how many parties are done, and each one's outcome so far."""

    id: str
    to_version: int
    total: int
    done: int
    migrated: int
    already: int
    refused: int
    failed: int
    paused: bool
    finished: bool
    outcomes: list[PartyOutcome]


def progress_of(run: MigrationRunInput, *, paused: bool, finished: bool) -> MigrationProgress:
    """The run's progress, outcomes in the order the parties were selected."""
    outcomes = [run.outcomes[n] for n in run.numbers if n in run.outcomes]

    def count(status: PartyOutcomeStatus) -> int:
        return sum(1 for o in outcomes if o.status is status)

    return MigrationProgress(
        id=run.plan.id,
        to_version=run.plan.to_version,
        total=len(run.numbers),
        done=len(outcomes),
        migrated=count(PartyOutcomeStatus.MIGRATED),
        already=count(PartyOutcomeStatus.ALREADY),
        refused=count(PartyOutcomeStatus.REFUSED),
        failed=count(PartyOutcomeStatus.FAILED),
        paused=paused,
        finished=finished,
        outcomes=outcomes,
    )


def outcome_of(number: str, result: MigrationCallResult) -> PartyOutcome:
    """A party's outcome from its call's result."""
    effect = result.effect
    if effect is None:
        return PartyOutcome(number=number, status=PartyOutcomeStatus.REFUSED, error=result.error)
    status = PartyOutcomeStatus.ALREADY if effect.already_applied else PartyOutcomeStatus.MIGRATED
    return PartyOutcome(number=number, status=status, to_stage=effect.to_stage)


def failed_outcome(number: str, message: str) -> PartyOutcome:
    """A party whose call kept failing: the run goes on with the others."""
    return PartyOutcome(
        number=number,
        status=PartyOutcomeStatus.FAILED,
        error={"error": "migration_failed", "message": message},
    )
