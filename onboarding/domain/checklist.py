"""The readiness checklist: items every wave member completes before its go-live.

Pure and deterministic (workflows import it). Each item falls due a number of
days before the wave's go-live date ("T-120"), so its deadline is wave-relative:
when the wave moves, or the member moves to another wave, every deadline is
derived again from the new date, and an item done stays done.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field


class ChecklistItemId(StrEnum):
    """The items of the default template. The values are the contract (API paths)."""

    TECHNICAL_INFRASTRUCTURE = "technical_infrastructure"
    INTEGRATIONS_TESTED = "integrations_tested"
    SUPER_USERS_TRAINED = "super_users_trained"
    END_USER_TRAINING_STARTED = "end_user_training_started"
    DATA_MIGRATION_REHEARSED = "data_migration_rehearsed"
    GO_NO_GO_MEETING = "go_no_go_meeting"


class ChecklistItemRule(BaseModel):
    """One item of the template: what must be done, and how long before go-live."""

    model_config = ConfigDict(frozen=True)

    id: ChecklistItemId
    label: str
    days_before_go_live: int = Field(ge=0, description="T-minus, in calendar days")


DEFAULT_CHECKLIST = [
    ChecklistItemRule(
        id=ChecklistItemId.TECHNICAL_INFRASTRUCTURE,
        label="Technical infrastructure in place",
        days_before_go_live=120,
    ),
    ChecklistItemRule(
        id=ChecklistItemId.INTEGRATIONS_TESTED,
        label="Integrations tested",
        days_before_go_live=90,
    ),
    ChecklistItemRule(
        id=ChecklistItemId.SUPER_USERS_TRAINED,
        label="Super-users trained",
        days_before_go_live=75,
    ),
    ChecklistItemRule(
        id=ChecklistItemId.END_USER_TRAINING_STARTED,
        label="End-user training started",
        days_before_go_live=60,
    ),
    ChecklistItemRule(
        id=ChecklistItemId.DATA_MIGRATION_REHEARSED,
        label="Data migration rehearsed",
        days_before_go_live=30,
    ),
    ChecklistItemRule(
        id=ChecklistItemId.GO_NO_GO_MEETING,
        label="Go/no-go meeting held",
        days_before_go_live=7,
    ),
]


def template_items(due: Mapping[ChecklistItemId, int]) -> tuple[ChecklistItemRule, ...]:
    """The default template's items named in `due`, each due that many days before go-live.

    How another kind of party's process (a GP office's, a hospital's) picks
    its checklist: the same items and labels, its own subset and lead times,
    in the template's order.
    """
    return tuple(
        rule.model_copy(update={"days_before_go_live": due[rule.id]})
        for rule in DEFAULT_CHECKLIST
        if rule.id in due
    )


# The service agreement, when the municipality is in a wave, is due this many
# days before go-live (the policy may change it).
SERVICE_AGREEMENT_DAYS_BEFORE_GO_LIVE = 120


def go_live_date(go_live_at: datetime, timezone: str) -> date:
    """The local calendar date of a go-live instant (cutover Friday 22:00 is that Friday)."""
    return go_live_at.astimezone(ZoneInfo(timezone)).date()


def wave_relative_deadline(go_live_at: datetime, days_before: int, timezone: str) -> date:
    """The deadline `days_before` calendar days before the local go-live date."""
    return go_live_date(go_live_at, timezone) - timedelta(days=days_before)
