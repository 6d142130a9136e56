"""Pydantic models of production waves: API bodies, workflow inputs, results, state.

One input type and one result type per workflow, update, signal, query and
activity, as everywhere in this project. The municipality side (membership,
checklist) and the wave side (date, members, decisions) meet here.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onboarding.domain.actor import Actor
from onboarding.domain.fields import Day, Moment
from onboarding.domain.obligations.models import ObligationView
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import ChecklistCompletion
from onboarding.domain.party import Party, PartyId
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.recording import ENTERED_DESCRIPTION, Backdating
from onboarding.domain.vocabulary import Stage

WaveId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$"),
    Field(description="lower-case letters, digits and dashes, e.g. 2024-spring"),
]
# Trimmed, then not empty: the pattern says "not blank" in the OpenAPI document.
_TEXT_2000 = StringConstraints(min_length=1, max_length=2000, strip_whitespace=True, pattern=r"\S")
_TEXT_200 = StringConstraints(min_length=1, max_length=200, strip_whitespace=True, pattern=r"\S")
Reason = Annotated[str, _TEXT_2000]
# Keys other than the pattern's are refused: the document says so too.
Evidence = Annotated[
    dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")],
        Annotated[str, _TEXT_2000],
    ],
    Field(json_schema_extra={"additionalProperties": False}),
]


class WaveStatus(StrEnum):
    """planned: the date may move; frozen: go approved; live: went live; closed: done."""

    PLANNED = "planned"
    FROZEN = "frozen"
    LIVE = "live"
    CLOSED = "closed"


# Not closed: the wave may still take members, move its date, be decided on.
ACTIVE_WAVE_STATUSES = (WaveStatus.PLANNED, WaveStatus.FROZEN)


class MemberStatus(StrEnum):
    """A member before go-live, live with the wave, or left behind (missed go-live)."""

    MEMBER = "member"
    LIVE = "live"
    MISSED_GO_LIVE = "missed_go_live"


class Decision(StrEnum):
    """The wave-level go/no-go: approve (go), postpone (no-go, new date), close."""

    APPROVE = "approve"
    POSTPONE = "postpone"
    CLOSE = "close"


# -- the municipality's side -------------------------------------------------------


class ChecklistRequest(Backdating):
    """Mark a checklist item done (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    done_on: Day | None = Field(None, description="default: today in Europe/Oslo")
    evidence: Evidence = Field(default_factory=dict)
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None


class ChecklistCommand(ChecklistRequest):
    """The municipality update's input: which item, the request, who asked."""

    item: str
    actor: Actor


# At most this many items in one request: more than any template has (six by default).
MAX_ITEMS_AT_ONCE = 50


class ChecklistItemRequest(ChecklistRequest):
    """One item of a request that marks several done at once."""

    item: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")] = Field(
        description="checklist item, e.g. integrations_tested"
    )


class ChecklistItemsRequest(BaseModel):
    """Mark several checklist items done in one request (API body): all of them or none."""

    model_config = ConfigDict(extra="forbid")

    items: list[ChecklistItemRequest] = Field(
        min_length=1,
        max_length=MAX_ITEMS_AT_ONCE,
        description="each item once; one already done with the same date changes nothing",
    )


class ChecklistItemsCommand(BaseModel):
    """The municipality update's input: several items done, in the order given."""

    commands: list[ChecklistCommand]


class ChecklistItemView(BaseModel):
    """One checklist item of a member: its deadline, and when and how it was done."""

    id: str
    label: str
    days_before_go_live: int
    status: ObligationStatus | None = Field(description="its obligation's status; None: no wave")
    deadline: date | None
    done: ChecklistCompletion | None


class ChecklistView(BaseModel):
    """A municipality's checklist, its wave and what still blocks approve_go_live."""

    number: str
    wave_id: str | None
    go_live_at: datetime | None
    items: list[ChecklistItemView]
    go_live_blockers: list[str]


class JoinWaveCommand(BaseModel):
    """Municipality update: join (or move to) a wave."""

    wave_id: str
    go_live_at: datetime
    reason: str | None = None
    actor: Actor


class LeaveWaveCommand(BaseModel):
    """Municipality update: leave the wave (removed from it)."""

    wave_id: str
    reason: str | None = None
    actor: Actor


class WaveDateCommand(BaseModel):
    """Municipality update: the wave's go-live moved; derive the deadlines again."""

    wave_id: str
    go_live_at: datetime


class WaveGoLiveCommand(BaseModel):
    """Municipality update: the wave's go-live instant came (or was approved after the fact)."""

    wave_id: str
    effective_on: date
    actor: Actor
    # What keeps this member from going live although it may be ready itself:
    # its municipality, in the same wave, did not go live at this instant.
    blocked_by: list[str] = Field(default_factory=list)
    # The approve decision's backdated recording time (the demo loader's), if any.
    recorded_at: datetime | None = None


class MembershipResult(BaseModel):
    """What a membership update did; `member` false when it no longer concerned the member."""

    municipality: Party  # the party (any kind); the name payloads have always used
    stage: Stage
    member: bool
    seq: int = 0
    previous_wave: str | None = None
    # The municipality whose go-live this member waits for (a GP office's), if any.
    waits_for: str | None = None


class GoLiveOutcome(StrEnum):
    LIVE = "live"
    NOT_READY = "not_ready"
    NOT_MEMBER = "not_member"


class WaveGoLiveResult(BaseModel):
    """How one member fared at its wave's go-live."""

    municipality: Party  # the party (any kind); the name payloads have always used
    outcome: GoLiveOutcome
    stage: Stage
    blockers: list[str] = Field(default_factory=list)


class MemberLeft(BaseModel):
    """Signal to a wave: the municipality joined another wave, or left the road."""

    number: str
    seq: int
    to_wave: str | None
    reason: str | None = None
    actor: Actor


# -- the wave's side -----------------------------------------------------------------


class WaveCreate(Backdating):
    """Create a wave (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    id: WaveId
    name: Annotated[str, _TEXT_200]
    go_live_at: Moment = Field(
        description="local date-time with offset, e.g. 2025-04-25T22:00:00+02:00"
    )
    health_trust: Annotated[str, _TEXT_200] | None = None
    recorded_after_the_fact: bool = Field(
        False,
        description="record a wave whose go-live already happened: a past go_live_at is "
        "accepted only with this flag, and go-live runs on the approve decision",
    )


class MemberRequest(Backdating):
    """Add (or move) a party of any kind to a wave (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    number: PartyId
    reason: Reason | None = Field(None, description="why; required when it moves from a wave")


class RescheduleRequest(Backdating):
    """Move a wave's go-live (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    go_live_at: Moment
    reason: Reason


class DecisionRequest(Backdating):
    """The wave-level go/no-go decision (API body, CLI)."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    evidence: Evidence = Field(default_factory=dict)
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    go_live_at: Moment | None = Field(None, description="the new date (postpone only)")
    reason: Reason | None = Field(None, description="why (required to postpone)")


class AddMemberCommand(MemberRequest):
    actor: Actor


class RemoveMemberCommand(BaseModel):
    number: str
    reason: str | None = None
    actor: Actor


class RescheduleCommand(RescheduleRequest):
    actor: Actor


class DecisionCommand(DecisionRequest):
    actor: Actor


class WaveMember(BaseModel):
    """One member as the wave keeps it."""

    number: str
    name: str
    seq: int = Field(description="the municipality's membership seq this entry belongs to")
    status: MemberStatus = MemberStatus.MEMBER
    joined_at: datetime
    went_live_on: date | None = None
    # The municipality it waits for (MembershipResult.waits_for); members that
    # wait go live after the others at the same instant, and only if it did.
    waits_for: str | None = None


class WaveDate(BaseModel):
    """A go-live date the wave had, from when it was set and why."""

    go_live_at: datetime
    set_at: datetime
    reason: str | None
    actor: Actor


class WaveDecisionRecord(BaseModel):
    decision: Decision
    evidence: dict[str, str]
    comment: str | None
    reason: str | None
    actor: Actor
    recorded_at: datetime
    entered_at: datetime | None = Field(None, description=ENTERED_DESCRIPTION)


class WaveInfo(BaseModel):
    """A wave's own facts (without members)."""

    id: str
    name: str
    health_trust: str | None
    go_live_at: datetime
    status: WaveStatus = WaveStatus.PLANNED
    recorded_after_the_fact: bool = False
    created_by: Actor
    created_at: datetime
    # Set when created_at was backdated (the demo loader's): when it was really created.
    entered_at: datetime | None = None


class WaveState(BaseModel):
    """The whole state of a wave workflow, handed through continue-as-new."""

    info: WaveInfo
    members: dict[str, WaveMember] = Field(default_factory=dict)
    # Highest membership seq each municipality left with, so a late "joined"
    # answer never re-adds a member that has already moved on.
    departed: dict[str, int] = Field(default_factory=dict)
    dates: list[WaveDate] = Field(default_factory=list)
    decisions: list[WaveDecisionRecord] = Field(default_factory=list)
    event_seq: int = 0
    registered: bool = False
    went_live: bool = False


class WaveWorkflowInput(BaseModel):
    """Start (or continue-as-new) input of the wave workflow."""

    state: WaveState
    policy: ReminderPolicy = Field(default_factory=ReminderPolicy)
    timezone: str = "Europe/Oslo"
    continue_as_new_after_events: int = Field(2_000, ge=50)


class WaveRecorded(BaseModel):
    """Input of the wave's `recorded` update (nothing yet; room to grow)."""


class WaveView(BaseModel):
    """A wave as users see it: its facts, members and every date it ever had."""

    id: str
    name: str
    health_trust: str | None
    go_live_at: datetime
    status: WaveStatus
    recorded_after_the_fact: bool
    members: list[WaveMember]
    dates: list[WaveDate]
    decisions: list[WaveDecisionRecord]


WaveEventKind = Literal[
    "created",
    "rescheduled",
    "member_added",
    "member_moved_in",
    "member_removed",
    "member_moved_out",
    "decision",
    "member_went_live",
    "member_missed_go_live",
    "went_live",
    "closed",
]


class WaveEvent(BaseModel):
    """One change of a wave, exactly as its append-only history keeps it."""

    seq: int
    kind: WaveEventKind
    number: str | None = None
    go_live_at: datetime | None = Field(None, description="the wave's date after the event")
    previous_go_live_at: datetime | None = None
    other_wave: str | None = Field(None, description="moved from / to this wave")
    reason: str | None = None
    evidence: dict[str, str] = Field(default_factory=dict)
    effective_on: date | None = None
    actor: Actor
    recorded_at: datetime
    workflow_id: str
    run_id: str
    entered_at: datetime | None = Field(None, description=ENTERED_DESCRIPTION)


class WaveProjection(BaseModel):
    """Activity input: the wave's current state and the event that led to it."""

    wave: WaveInfo
    members: list[WaveMember]
    events: list[WaveEvent]


class ChecklistProjection(BaseModel):
    """Activity input: a checklist item done, and the obligations' state after it."""

    municipality: Party  # the party (any kind); the name payloads have always used
    completion: ChecklistCompletion
    obligations: list[ObligationView]


class ChecklistItemsProjection(BaseModel):
    """Activity input: several checklist items done at once, and the obligations after them."""

    municipality: Party
    completions: list[ChecklistCompletion]
    obligations: list[ObligationView]


MemberUpdate = Literal["join_wave", "leave_wave", "wave_rescheduled", "wave_go_live"]


class MemberCall(BaseModel):
    """Activity input: one update of a member's workflow, on the wave's behalf."""

    number: str
    update: MemberUpdate
    join: JoinWaveCommand | None = None
    leave: LeaveWaveCommand | None = None
    date: WaveDateCommand | None = None
    go_live: WaveGoLiveCommand | None = None

    def argument(self) -> BaseModel:
        """The update's own input."""
        argument = {
            "join_wave": self.join,
            "leave_wave": self.leave,
            "wave_rescheduled": self.date,
            "wave_go_live": self.go_live,
        }[self.update]
        assert argument is not None, f"{self.update} needs its command"
        return argument


class MemberCallResult(BaseModel):
    """Activity result: the member's answer (a membership, or a go-live outcome)."""

    membership: MembershipResult | None = None
    go_live: WaveGoLiveResult | None = None
