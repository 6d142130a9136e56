"""A reform as admins record it, and what it does to each party, as the dry-run and apply show it.

A `ReformPlan` is the request: its id (never reused), kind, date, the parties
it acts on, the new number or the new municipalities, the stage rule, and its
evidence. The API turns it into one `ReformCommand` per affected party, each
naming the party's role in it (it ends, it starts, it is renumbered, its home
moves, or the reform is noted on its road); the party's workflow applies it
(domain/reforms/apply.py) and answers a `PartyReformEffect`. The dry-run asks
each party's workflow for the same effect without applying it, and computes a
new municipality's from a fresh state with the same function.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onboarding.domain.actor import Actor
from onboarding.domain.fields import Day
from onboarding.domain.party import MunicipalityNumber, PartyId
from onboarding.domain.process.migration_plan import TimerEffect
from onboarding.domain.process.request_evidence import RequestEvidence
from onboarding.domain.recording import ENTERED_DESCRIPTION, Backdating
from onboarding.domain.vocabulary import EVIDENCE_FIELDS, Stage, Trigger

ReformId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$"),
    Field(
        description="lower case letters, digits and dashes, 3-63 characters; never reused",
        examples=["2020-trondheim"],
    ),
]


class ReformKind(StrEnum):
    """The kinds of reform: the values region-changes.csv uses (region_history.ChangeKind),
    named apart in the API's schema, where another ChangeKind (process diffs) exists."""

    RENUMBERING = "renumbering"
    MERGER = "merger"
    SPLIT = "split"
    BOUNDARY_TRANSFER = "boundary_transfer"
    JOINED = "joined"
    LEFT = "left"


Name = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class StageRule(StrEnum):
    """How a merger's new municipality's stage is derived from its predecessors'."""

    # The furthest stage on the main road that every predecessor has reached.
    MOST_ADVANCED_COMMON = "most_advanced_common"
    # The furthest stage any predecessor has reached (one signed for all).
    MOST_ADVANCED = "most_advanced"


class NewMunicipality(BaseModel):
    """A municipality a merger or split creates: its number (its id) and name."""

    model_config = ConfigDict(extra="forbid")

    number: MunicipalityNumber
    name: Name
    county: Name | None = Field(None, description="default: the first predecessor's")
    health_trust: Name | None = Field(None, description="default: the first predecessor's")


class ReformPlan(Backdating):
    """What an admin records: a reform, its date and evidence, and the parties it touches.

    By kind, `parties` are: the one renumbered (`new_number`), the merged ones
    (`new_municipalities`: the one they become), the divided one
    (`new_municipalities`: its new parts, and `existing_parts`: parts that
    exist already, e.g. made by a merger the same day), `[from, to]` of a
    boundary transfer, or the one that joined or left the catchment area.
    """

    model_config = ConfigDict(extra="forbid")

    id: ReformId
    kind: ReformKind
    effective_on: Day = Field(description="the first day of the new order (YYYY-MM-DD)")
    parties: list[PartyId] = Field(min_length=1, max_length=20)
    new_number: MunicipalityNumber | None = Field(None, description="renumbering: the new number")
    new_municipalities: list[NewMunicipality] = Field(default_factory=list, max_length=20)
    existing_parts: list[PartyId] = Field(default_factory=list, max_length=20)
    stage_rule: StageRule = StageRule.MOST_ADVANCED_COMMON
    evidence: RequestEvidence = Field(
        min_length=1,
        description="what the reform rests on, e.g. document_ref (the source's URL)",
        json_schema_extra={"propertyNames": {"enum": list(EVIDENCE_FIELDS)}},
    )
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None


class ReformRole(StrEnum):
    """What a reform does to one party."""

    ENDS = "ends"  # merged into, or divided among, its successors
    STARTS = "starts"  # a new municipality, in a stage derived from its predecessors
    RENUMBERED = "renumbered"  # the same party with a new number
    HOME_MOVED = "home_moved"  # a GP office or specialist whose municipality ended
    NOTED = "noted"  # a boundary transfer, joining or leaving, a split's existing part


class Agreement(BaseModel):
    """A signature a party recorded (agreement, option, service agreement), as inherited."""

    party: str
    trigger: Trigger
    effective_on: date
    evidence: dict[str, str] = Field(default_factory=dict)


class OpenObligation(BaseModel):
    """An obligation a party had open (or paused), with its deadline."""

    id: str
    deadline: date | None


class Standing(BaseModel):
    """Where a predecessor stood when asked: what the derivation rule and the dry-run show."""

    party: str
    name: str
    number: str = Field(description="its municipality number then")
    stage: Stage
    paused_from: Stage | None = None
    process_version: int
    reached: list[Stage] = Field(
        default_factory=list, description="the stages of its main road it has reached"
    )
    signed: list[Agreement] = Field(default_factory=list)
    open_obligations: list[OpenObligation] = Field(default_factory=list)
    wave_id: str | None = None


class InheritedDeadline(BaseModel):
    """A deadline a new municipality's obligation takes over from a predecessor."""

    obligation_id: str
    deadline: date
    from_party: str


class Landing(BaseModel):
    """Where a new municipality starts, and what it inherits: derived before anything applies."""

    stage: Stage
    process_version: int
    rule: StageRule
    explanation: str = Field(description="the rule applied to the predecessors, in words")
    predecessors: list[Standing]
    agreements: list[Agreement] = Field(default_factory=list)
    deadlines: list[InheritedDeadline] = Field(default_factory=list)


class ReformCommand(BaseModel):
    """The reform update's input (and the preview query's): one party's part in one reform."""

    reform_id: str
    kind: ReformKind
    effective_on: date
    role: ReformRole
    actor: Actor
    evidence: dict[str, str] = Field(default_factory=dict)
    comment: str | None = None
    predecessors: list[str] = Field(default_factory=list)
    successors: list[str] = Field(default_factory=list)
    new_number: str | None = None
    new_home: str | None = None
    landing: Landing | None = None
    # The plan's backdated recording time (the demo loader's), if any.
    recorded_at: datetime | None = None


class ObligationOpened(BaseModel):
    """An obligation a reform opens, with its deadline and where the deadline came from."""

    id: str
    deadline: date | None
    inherited_from: str | None = None


class PartyReformEffect(BaseModel):
    """What a reform does (or would do) to one party."""

    reform_id: str
    party: str
    role: ReformRole
    from_stage: Stage
    to_stage: Stage
    number_before: str | None = None
    number_after: str | None = None
    home_before: str | None = None
    home_after: str | None = None
    predecessors: list[str] = Field(default_factory=list)
    successors: list[str] = Field(default_factory=list)
    standing: Standing | None = Field(None, description="where it stood (a party that ends)")
    landing: Landing | None = Field(None, description="how its stage was derived (a new one)")
    obligations_opened: list[ObligationOpened] = Field(default_factory=list)
    obligations_cancelled: list[str] = Field(default_factory=list)
    timers: list[TimerEffect] = Field(default_factory=list)
    wave_left: str | None = None
    already_applied: bool = Field(
        False, description="the party had this reform already: nothing changes again"
    )
    recorded_at: datetime | None = Field(None, description="when it was applied")


class ReformCallResult(BaseModel):
    """The preview query's answer: the effect, or why the reform does not fit the party."""

    effect: PartyReformEffect | None = None
    error: dict[str, Any] | None = None


class FollowKind(StrEnum):
    """What follows a merged or divided municipality to its successor."""

    GP_OFFICE = "gp_office"  # a GP office or specialist whose home it was
    TOKEN = "token"  # a municipality token scoped to it
    CONTACTS = "contacts"  # its contact list
    WAVE = "wave"  # its production wave


class Follow(BaseModel):
    """One thing that follows a reform to the successor (or, `carried` false, does not)."""

    what: FollowKind
    subject: str = Field(description="the party id, token id or wave id that follows")
    name: str
    from_party: str
    to_party: str
    carried: bool = True
    detail: str | None = None


class ReformPreview(BaseModel):
    """A reform's dry-run (or, with `recorded_at`, what its apply did): every party's effect,
    the parties it refuses, and what follows the successors."""

    id: str
    kind: ReformKind
    effective_on: date
    numbers: dict[str, list[str]] = Field(
        description="municipality numbers the day before (from) and on the day (to)"
    )
    from_parties: list[str]
    to_parties: list[str]
    new_parties: list[str] = Field(default_factory=list, description="municipalities it creates")
    successions: list[tuple[str, str]] = Field(
        default_factory=list, description="(predecessor, successor) pairs it records"
    )
    effects: list[PartyReformEffect] = Field(default_factory=list)
    refused: list[dict[str, Any]] = Field(
        default_factory=list, description="parties the reform does not fit, each with why"
    )
    follows: list[Follow] = Field(default_factory=list)
    recorded_at: datetime | None = None


class ReformRecorded(ReformPreview):
    """A reform as recorded: what it did to each party and what followed, with its evidence
    and who recorded it."""

    evidence: dict[str, str] = Field(default_factory=dict)
    comment: str | None = None
    recorded_by: Actor
    entered_at: datetime | None = Field(None, description=ENTERED_DESCRIPTION)
