"""The bodies of /api/migrations: a plan with its selection, and the dry-run's answer."""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from onboarding.api.schemas import reject_field
from onboarding.domain.party import PartyId
from onboarding.domain.process.migration_plan import MigrationEffect, MigrationPlan, TimerChange
from onboarding.domain.vocabulary import Stage


class MigrationSelection(BaseModel):
    """Which parties a migration is for: name them, or filter (filters combine: all must hold)."""

    model_config = ConfigDict(extra="forbid")

    numbers: list[PartyId] | None = Field(
        None,
        min_length=1,
        max_length=10_000,
        description="these parties (municipality numbers, or other parties' ids for a plan "
        "of their kind's process), each once; no filter with it",
        json_schema_extra={"uniqueItems": True},
    )
    stage: Stage | None = Field(None, description="those now in this stage")
    county: str | None = Field(None, max_length=100, description="those of this county")
    health_trust: str | None = Field(None, max_length=100, description="those of this trust")
    wave_id: str | None = Field(None, max_length=100, description="the members of this wave")
    every: bool = Field(False, description="every party on the plan's process (no filter)")

    @model_validator(mode="after")
    def _one_way(self) -> "MigrationSelection":
        filters = [self.stage, self.county, self.health_trust, self.wave_id]
        given = any(f is not None for f in filters)
        if self.numbers is not None and (given or self.every):
            raise reject_field("selection.numbers", "give numbers, or filters, not both")
        if self.numbers is None and not given and not self.every:
            raise reject_field(
                "selection",
                "give numbers, a filter (stage, county, health_trust, wave_id), or every",
            )
        if self.numbers is not None and len(set(self.numbers)) != len(self.numbers):
            raise reject_field("selection.numbers", "each number once")
        return self


class MigrationRequest(BaseModel):
    """A plan and the parties it is for: the body of the dry-run and of the apply."""

    model_config = ConfigDict(extra="forbid")

    plan: MigrationPlan
    selection: MigrationSelection


class PartyPreview(BaseModel):
    """What the migration would do to one party now, or why it does not fit it."""

    number: str
    effect: MigrationEffect | None = None
    error: dict[str, object] | None = Field(None, description="the refusal, as a 422 body")


class DryRunResult(BaseModel):
    """The dry-run: a preview per party, in the order selected, and the totals."""

    id: str
    to_version: int
    parties: int
    fit: int
    refused: int
    timers: dict[TimerChange, int] = Field(description="timer changes over all parties, by kind")
    previews: list[PartyPreview]
