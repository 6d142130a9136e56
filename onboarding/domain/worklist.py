"""The coordinator's work list: what needs a person now, and when a party counts as stuck (pure).

The store reads the rows (onboarding/store/worklist.py); this module holds the
shapes every reader shares (API, pages, CLI) and the rules that decide what a
row means: which deadlines are due or overdue, which parties are stuck.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.blockers import OverdueItem

DEFAULT_DAYS = 14
MAX_DAYS = 366
# A party in an active stage with no transition taking effect for this long is
# stuck: the slowest step of the real rollout (preparation) took months, not half a year.
STALE_DAYS = 180
# Stages where nothing is expected of the program: done, out, or paused on purpose.
# Where a party may rest for years without anyone's work being late: live,
# out of the program, paused, or merged or divided away by a reform.
RESTING_STAGES = frozenset(
    {Stage.LIVE, Stage.DECLINED, Stage.WITHDRAWN, Stage.PAUSED, Stage.ENDED_BY_REFORM}
)


class WorklistFilters(BaseModel):
    """What the list is narrowed to; None lets everything through."""

    days: int = Field(DEFAULT_DAYS, ge=0, le=MAX_DAYS, description="deadlines due within")
    health_trust: str | None = None
    wave: str | None = Field(None, description="members of this wave only")
    kind: PartyKind | None = None
    stage: Stage | None = None


class PartyRef(BaseModel):
    """The party a row is about: enough to name it and link to it."""

    id: str
    name: str
    kind: PartyKind
    stage: Stage
    health_trust: str


class DeadlineItem(BaseModel):
    """An open obligation due within the window, or overdue."""

    party: PartyRef
    obligation_id: str
    label: str
    deadline: date
    effective_deadline: date = Field(description="moved to a business day if it fell on none")
    days_left: int = Field(description="negative: days overdue")


class BlockedMember(BaseModel):
    """A wave member that keeps its wave from going live, and what is missing."""

    party: PartyRef
    wave_id: str
    wave_name: str
    go_live_at: datetime
    missing: list[str] = Field(description="go-live conditions still missing")
    overdue: list[OverdueItem]


class FailedNotification(BaseModel):
    """An outbox row that reached nobody: delivery failed, or nobody holds the role."""

    id: int
    party: PartyRef
    obligation_label: str
    kind: str
    status: str
    recipient_role: str
    last_error: str | None
    due_at: datetime


class StuckReason(StrEnum):
    """Why a party counts as stuck.

    stale       in an active stage, no transition took effect for STALE_DAYS
    row_behind  its read-model row holds an older sequence than its own audit log:
                a projection did not finish (reconcile repairs it)
    """

    STALE = "stale"
    ROW_BEHIND = "row_behind"


class StuckParty(BaseModel):
    """A party whose workflow or read model needs a look."""

    party: PartyRef
    reason: StuckReason
    last_transition_on: date | None
    days_since: int | None
    row_seq: int
    log_seq: int


class WorklistCounts(BaseModel):
    """The headline: how many rows of each part."""

    due: int
    overdue: int
    blocked: int
    failed_notifications: int
    stuck: int


class Worklist(BaseModel):
    """Everything that needs the program now, filtered, with its counts."""

    as_of: date
    filters: WorklistFilters
    counts: WorklistCounts
    overdue: list[DeadlineItem]
    due: list[DeadlineItem]
    blocked: list[BlockedMember]
    failed_notifications: list[FailedNotification]
    stuck: list[StuckParty]


def stuck_reason(
    *,
    stage: Stage,
    row_seq: int,
    log_seq: int,
    last_transition_on: date | None,
    today: date,
) -> StuckReason | None:
    """Why a party is stuck, or None.

    A row behind its log is stuck whatever its stage (the page shows a stage
    the workflow has left). A party never moved is not stale: it has not started.
    """
    if row_seq < log_seq:
        return StuckReason.ROW_BEHIND
    if stage in RESTING_STAGES or last_transition_on is None:
        return None
    if (today - last_transition_on).days >= STALE_DAYS:
        return StuckReason.STALE
    return None
