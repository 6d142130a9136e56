"""Deadlines of a party's obligations: requests to set them and views of where they stand."""

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
from onboarding.domain.obligations.schedule import ObligationStatus, ScheduledMessage
from onboarding.domain.party import Party


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

    municipality: Party  # the party (any kind); the name payloads have always used
    obligations: list[ObligationView]
    change: DeadlineChange | None = None
