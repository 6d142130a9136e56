"""Bodies the API takes and gives, beyond the domain models in onboarding.domain.

Declared as pydantic models so the OpenAPI document describes every answer.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from onboarding.domain.notifications import MessageKind, NotificationStatus, RecipientRole
from onboarding.domain.parties.models import TransitionRecord, TransitionRequest
from onboarding.domain.party import PARTY_ID_PATTERN, PartyId, PartyKind
from onboarding.domain.process.reform_plan import StageRule
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store.tables.access import ApiTokenRow
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.store.tokens import Role, scope_of

# -- dates in query strings ----------------------------------------------------

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    # Pydantic alone would take "0" (a Unix time) or "20240101" for a date; the
    # OpenAPI document says `format: date`, so only YYYY-MM-DD is a day here.
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError(
            "date_format", "{message}", {"message": f"{value!r} is not a date; give YYYY-MM-DD"}
        )
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
"""A day in a query string: YYYY-MM-DD and nothing else, as `format: date` says."""


# -- health and region -----------------------------------------------------------


class Health(BaseModel):
    """Whether the API can reach what it needs."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    temporal: Literal["ok", "unavailable"]


class RegionLoad(BaseModel):
    """Options of loading the region; without a body, new municipalities run the newest process."""

    model_config = ConfigDict(extra="forbid")

    # Strict: JSON's `true` is not the version 1 (pydantic would take it as 1).
    process_version: int | None = Field(
        None,
        ge=1,
        le=10_000,
        strict=True,
        description="the municipality process version new ones start on",
    )


class HistoryLoad(BaseModel):
    """Options of loading the region's history; without a body, all of it on the newest process."""

    model_config = ConfigDict(extra="forbid")

    through: IsoDay | None = Field(
        None,
        description="load the reforms up to and including this day (YYYY-MM-DD) only; a later "
        "load carries on from there. Default: every reform",
    )
    stage_rule: StageRule = Field(
        StageRule.MOST_ADVANCED_COMMON,
        description="where a merger's new municipality starts among its predecessors",
    )
    # Strict: JSON's `true` is not the version 1 (pydantic would take it as 1).
    process_version: int | None = Field(
        None,
        ge=1,
        le=10_000,
        strict=True,
        description="the municipality process version new ones start on",
    )
    backdated: bool = Field(
        False,
        description="record each reform as recorded at 07:00 Europe/Oslo on the day it took "
        "effect, marked as backdated: only a token that may backdate (the demo loader's, which "
        "`onboarding up --demo` creates) may ask. Default: recorded now",
    )


class RegionLoaded(BaseModel):
    """How many municipalities the region has (each has its workflow now)."""

    loaded: int


# -- municipalities --------------------------------------------------------------


class MunicipalitySummary(BaseModel):
    """One municipality in a list: the read model's current state."""

    number: str
    name: str
    county: str
    health_trust: str
    stage: Stage
    paused_from: Stage | None
    last_transition: TransitionRecord | None

    @classmethod
    def from_row(cls, row: MunicipalityRow, last: TransitionRecord | None) -> "MunicipalitySummary":
        """The summary of a read-model row and its latest transition."""
        return cls(
            number=row.number,
            name=row.name,
            county=row.county,
            health_trust=row.health_trust,
            stage=Stage(row.stage),
            paused_from=Stage(row.paused_from) if row.paused_from else None,
            last_transition=last,
        )


# -- bulk transitions ------------------------------------------------------------

# Room for the ":<number>" suffix each municipality's key gets.
BulkIdempotencyKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=195, pattern=r"^[A-Za-z0-9._:\-]+$"),
    Field(description="client-chosen key; each municipality uses `<key>:<number>`"),
]


def reject_field(field: str, message: str) -> PydanticCustomError:
    """A model validator's refusal that the API's 422 names `field` in (api/errors.py)."""
    # The validation handler reads `field` from the context (see api/errors.py).
    return PydanticCustomError("invalid_request", "{message}", {"field": field, "message": message})


# Exactly one of numbers and stage, as the document says it (the validator below
# says it to the request): neither both nor none. (Not as a `oneOf`: client
# generators take a `oneOf` of partial objects for a union of models.)
_ONE_SELECTION: dict[str, Any] = {
    "not": {
        "anyOf": [
            {
                "required": ["numbers", "stage"],
                "properties": {"numbers": {"type": "array"}, "stage": {"type": "string"}},
            },
            {"properties": {"numbers": {"type": "null"}, "stage": {"type": "null"}}},
        ]
    }
}


class BulkSelection(BaseModel):
    """Which parties a bulk request is for: name them, or pick a stage (of one kind)."""

    model_config = ConfigDict(json_schema_extra=_ONE_SELECTION)

    numbers: list[PartyId] | None = Field(
        None,
        min_length=1,
        max_length=1_000,
        description="exactly one of numbers and stage; each party id (a municipality's "
        "number) once",
        json_schema_extra={"uniqueItems": True},
    )
    stage: Stage | None = Field(None, description="every party of `kind` now in this stage")
    kind: PartyKind = Field(
        PartyKind.MUNICIPALITY,
        description="with stage: the kind of party it picks (default municipalities); "
        "named numbers may be of any kind",
    )

    @model_validator(mode="after")
    def _one_selection(self) -> "BulkSelection":
        if (self.numbers is None) == (self.stage is None):
            raise reject_field("numbers", "give exactly one of numbers and stage")
        if self.numbers is not None:
            seen: set[str] = set()
            for number in self.numbers:
                if number in seen:
                    raise reject_field("numbers", f"{number} is listed twice")
                seen.add(number)
        return self


class BulkTransitionRequest(TransitionRequest, BulkSelection):
    """One transition for many municipalities: name them, or pick a stage."""

    idempotency_key: BulkIdempotencyKey | None = None


class BulkSucceeded(BaseModel):
    """The transition was recorded for this municipality."""

    number: str
    ok: Literal[True] = True
    stage: Stage


class BulkFailed(BaseModel):
    """The transition was refused for this municipality; `error` says why."""

    number: str
    ok: Literal[False] = False
    error: dict[str, Any] = Field(description="the error body a single transition would get")


BulkItem = Annotated[BulkSucceeded | BulkFailed, Field(discriminator="ok")]


class BulkTransitionResult(BaseModel):
    """A result per municipality, in the order selected: failures are never hidden."""

    trigger: Trigger
    requested: int
    succeeded: int
    failed: int
    results: list[BulkItem]


# -- the process -----------------------------------------------------------------


class StageInfo(BaseModel):
    """A stage of the process."""

    id: Stage
    labels: dict[str, str] = Field(description="by language: nb, en")
    terminal: bool


class StageChange(BaseModel):
    """One edge of a trigger: from a stage to a stage."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Stage = Field(alias="from")
    to: Stage


class TriggerInfo(BaseModel):
    """A trigger of the process, where it leads and what evidence it needs."""

    id: Trigger
    labels: dict[str, str] = Field(description="by language: nb, en")
    transitions: list[StageChange]
    required_evidence: list[str]


class ObligationInfo(BaseModel):
    """An obligation a stage opens: the trigger that fulfils it, and its deadline rule."""

    id: Trigger = Field(description="the trigger that fulfils it")
    label: str
    stages: list[Stage] = Field(description="the stages where it is open")
    default_deadline_days: int | None = Field(
        description="deadline this many days after it opens; null: the program sets it"
    )


class ChecklistItemInfo(BaseModel):
    """An item of the readiness checklist a wave member works through."""

    id: str
    label: str
    days_before_go_live: int


class ProcessSummary(BaseModel):
    """One version of one process, as the list of versions shows it."""

    key: str = Field(examples=["municipality"])
    version: int = Field(ge=1)
    title: str
    released_on: date
    changes: list[str] = Field(description="what this version changed, in sentences")
    latest: bool = Field(description="new parties of this key start on this version")


class ProcessInfo(ProcessSummary):
    """The whole process definition, as the engine runs it."""

    stages: list[StageInfo]
    main_road: list[Stage] = Field(description="the stages of the main road, in order")
    triggers: list[TriggerInfo]
    milestones: list[Stage]
    evidence_fields: dict[str, str] = Field(description="name: what it holds")
    obligations: list[ObligationInfo]
    checklist: list[ChecklistItemInfo]
    mermaid: str = Field(description="the process as a Mermaid state diagram")


# -- users (tokens) --------------------------------------------------------------


class TokenPublic(BaseModel):
    """A token as admins see it: never its secret."""

    id: int
    name: str
    role: Role
    scope: list[str] = Field(default_factory=list, description="the municipality role's party ids")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_table(cls, token: ApiTokenRow) -> "TokenPublic":
        """The public view of a stored token."""
        assert token.id is not None, "a stored token has an id"
        return cls(
            id=token.id,
            name=token.name,
            role=Role(token.role),
            scope=sorted(scope_of(token)),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )


# The scope rule of store.tokens.parse_scope, as the document says it: the
# municipality role needs party ids, every other role takes none.
_SCOPE_ITEM = r"^\s*" + PARTY_ID_PATTERN.removeprefix("^").removesuffix("$") + r"\s*$"
_SCOPE_BY_ROLE: dict[str, Any] = {
    "if": {"properties": {"role": {"const": "municipality"}}, "required": ["role"]},
    "then": {
        "required": ["scope"],
        "properties": {
            "scope": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": _SCOPE_ITEM},
            }
        },
    },
    "else": {
        "properties": {
            "scope": {
                "anyOf": [
                    {"type": "null"},
                    {"type": "array", "items": {"type": "string", "pattern": r"^\s*$"}},
                ]
            }
        }
    },
}


class TokenCreate(BaseModel):
    """A new user of the API: who, which role, and until when (default: no end)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_SCOPE_BY_ROLE)

    name: Annotated[
        str,
        StringConstraints(min_length=1, max_length=200, strip_whitespace=True, pattern=r"\S"),
    ]
    role: Role
    scope: list[str] | None = Field(
        None,
        description="party ids (a municipality's number also covers its GP offices and "
        "specialists), required for (and only for) the municipality role",
        examples=[["5001", "5006"]],
    )
    expires_at: datetime | None = Field(None, description="UTC if no offset is given")

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        if aware <= datetime.now(UTC):
            raise reject_field("expires_at", f"{aware.isoformat()} is not in the future")
        return aware


class TokenCreated(BaseModel):
    """The new token, with its secret: shown this once and never again."""

    id: int
    name: str
    role: Role
    scope: list[str]
    created_at: datetime
    expires_at: datetime | None
    token: str = Field(description="the bearer secret; store it now")


# -- notifications ---------------------------------------------------------------


class NotificationPublic(BaseModel):
    """One outbox row: a message to one recipient and where its delivery stands."""

    id: int
    key: str = Field(description="unique per recipient, obligation, deadline and message")
    municipality_number: str
    municipality_name: str
    obligation_id: str
    obligation_label: str
    kind: MessageKind
    message_key: str
    level: int | None
    offset_days: int | None
    deadline: date
    due_at: datetime
    recipient_role: RecipientRole
    recipient_name: str | None
    recipient_email: str | None
    subject: str
    body: str
    status: NotificationStatus
    attempts: int = Field(description="delivery attempts that reached the relay or failed")
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: NotificationRow) -> "NotificationPublic":
        """The public view of an outbox row."""
        assert row.id is not None, "a stored row has an id"
        return cls.model_validate(row, from_attributes=True)
