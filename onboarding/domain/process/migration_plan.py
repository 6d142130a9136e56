"""A migration as admins plan it, and what it does to one party, as dry-run and apply show it.

One plan moves parties from the version they run to `to_version` (the same
version for a policy change alone), with a stage mapping for stages the
target lacks and the policy changes to apply. Its effect on one party lists
the stage it lands in, the obligations opened and cancelled, and every
reminder and escalation whose timer is cancelled, re-armed or fires at once.
The dry-run and the apply compute the same effect with the same code.
"""

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onboarding.domain.actor import Actor
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.notifications import MessageKind
from onboarding.domain.obligations.models import ObligationView
from onboarding.domain.party import Party
from onboarding.domain.policy import EscalationStep
from onboarding.domain.vocabulary import Stage

MigrationId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$"),
    Field(
        description="lower case letters, digits and dashes, 3-63 characters",
        examples=["v1-to-v2"],
    ),
]


class ChecklistOffset(BaseModel):
    """A checklist item due a new number of days before go-live."""

    model_config = ConfigDict(extra="forbid")

    id: ChecklistItemId
    days_before_go_live: int = Field(ge=0, le=3650)


class PolicyChanges(BaseModel):
    """What a migration changes of the reminder policy; what it leaves out stays."""

    model_config = ConfigDict(extra="forbid")

    reminder_offsets_days: list[Annotated[int, Field(ge=1, le=3650)]] | None = Field(
        None, max_length=20, description="calendar days before the deadline, e.g. [45, 30, 7]"
    )
    escalation_ladder: list[EscalationStep] | None = Field(None, max_length=10)
    send_time: time | None = Field(None, description="local time of day messages go out")
    checklist: list[ChecklistOffset] | None = Field(
        None, max_length=50, description="checklist items due at new offsets (others keep theirs)"
    )


class MigrationPlan(BaseModel):
    """What an admin asks for: which version parties move to, and how."""

    model_config = ConfigDict(extra="forbid")

    id: MigrationId
    key: str = Field("municipality", description="the process", max_length=40)
    to_version: int = Field(ge=1, description="the version parties move to")
    stage_map: dict[Stage, Stage] = Field(
        default_factory=dict,
        description="where a party in a stage the target lacks (or should leave) lands; "
        "any other stage stays as it is",
    )
    policy: PolicyChanges = Field(default_factory=PolicyChanges)
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class MigrationCommand(BaseModel):
    """The migrate update's input and the preview query's: the plan, and who asks."""

    plan: MigrationPlan
    actor: Actor


class TimerChange(StrEnum):
    """What a migration does to one reminder's or escalation's timer."""

    CANCELLED = "cancelled"
    REARMED = "rearmed"
    FIRES_NOW = "fires_now"  # an escalation level already reached under the new schedule
    PASSED_OVER = "passed_over"  # its new instant is gone: not sent late


class TimerEffect(BaseModel):
    """One reminder or escalation whose timer the migration changes."""

    obligation_id: str
    message_key: str
    kind: MessageKind
    change: TimerChange
    before: datetime | None = Field(None, description="when it was due to go out")
    after: datetime | None = Field(None, description="when it goes out now")


class MigrationEffect(BaseModel):
    """What a migration does (or would do) to one party."""

    migration_id: str
    number: str
    from_version: int
    to_version: int
    from_stage: Stage
    to_stage: Stage
    obligations_opened: list[str] = Field(default_factory=list)
    obligations_cancelled: list[str] = Field(default_factory=list)
    timers: list[TimerEffect] = Field(default_factory=list)
    already_applied: bool = Field(
        False, description="the party had this migration already: nothing changes again"
    )
    recorded_at: datetime | None = Field(None, description="when it was applied")


class MigrationProjection(BaseModel):
    """Activity input: record a migration applied to one party, and its obligations after it."""

    municipality: Party  # the party (any kind); the name payloads have always used
    effect: MigrationEffect
    reason: str
    actor: Actor
    stage: Stage
    paused_from: Stage | None
    obligations: list[ObligationView]
    workflow_id: str
    run_id: str
