"""The reminder policy: offsets, escalation ladder, send hour and obligations, in one place.

The workflows receive the policy as input (and carry it through
continue-as-new), so changing it for new municipalities and new obligations
needs no code change: write a JSON file and point ONBOARDING_POLICY_FILE at it.
"""

import json
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from onboarding.domain.checklist import (
    DEFAULT_CHECKLIST,
    SERVICE_AGREEMENT_DAYS_BEFORE_GO_LIVE,
    ChecklistItemRule,
)
from onboarding.domain.errors import RequestRejected
from onboarding.domain.vocabulary import RecipientRole, Stage, Trigger


class EscalationStep(BaseModel):
    """One rung of the ladder: who hears of an overdue obligation, and when."""

    model_config = ConfigDict(frozen=True)

    level: int = Field(ge=1)
    business_days_after_deadline: int = Field(
        ge=0, le=3650, description="0 = on the deadline day itself ('at the deadline')"
    )
    recipients: list[RecipientRole] = Field(min_length=1)


class ObligationRule(BaseModel):
    """An obligation: the trigger that fulfils it and the stages where it is open."""

    model_config = ConfigDict(frozen=True)

    id: Trigger = Field(description="the trigger that fulfils the obligation")
    label: str
    stages: list[Stage] = Field(min_length=1)
    default_deadline_days: int | None = Field(
        None, ge=1, description="deadline this many days after it opens; None: the program sets it"
    )


DEFAULT_LADDER = [
    EscalationStep(
        level=1,
        business_days_after_deadline=0,
        recipients=[RecipientRole.MUNICIPALITY_CONTACT, RecipientRole.PROGRAM_COORDINATOR],
    ),
    EscalationStep(
        level=2, business_days_after_deadline=10, recipients=[RecipientRole.MUNICIPAL_DIRECTOR]
    ),
    EscalationStep(
        level=3,
        business_days_after_deadline=20,
        recipients=[RecipientRole.PROGRAM_DIRECTOR, RecipientRole.COUNCIL],
    ),
]

DEFAULT_OBLIGATIONS = [
    ObligationRule(
        id=Trigger.EXERCISE_OPTION,
        label="Exercise the option (council decision)",
        stages=[Stage.COLLABORATION_SIGNED],
    ),
    ObligationRule(
        id=Trigger.SIGN_COLLABORATION,
        label="Sign the new collaboration agreement",
        stages=[Stage.RESIGNATURE_REQUIRED],
        default_deadline_days=120,
    ),
    ObligationRule(
        id=Trigger.SIGN_SERVICE_AGREEMENT,
        label="Sign the service agreement",
        stages=[Stage.OPTION_EXERCISED, Stage.PREPARING],
    ),
]


class ReminderPolicy(BaseModel):
    """When reminders and escalations go out, to whom, for which obligations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reminder_offsets_days: list[int] = Field(
        default_factory=lambda: [60, 30, 7],
        description="calendar days before the deadline; a non-business day moves earlier",
    )
    reminder_recipients: list[RecipientRole] = Field(
        default_factory=lambda: [RecipientRole.MUNICIPALITY_CONTACT]
    )
    escalation_ladder: list[EscalationStep] = Field(default_factory=lambda: list(DEFAULT_LADDER))
    send_time: time = Field(time(8, 0), description="local time of day messages go out")
    timezone: str = "Europe/Oslo"
    calendar: Literal["norwegian", "every_day"] = Field(
        "norwegian",
        description="norwegian: weekends and public holidays are not business days; "
        "every_day: every calendar day counts (a program that counts calendar days)",
    )
    obligations: list[ObligationRule] = Field(default_factory=lambda: list(DEFAULT_OBLIGATIONS))
    checklist: list[ChecklistItemRule] = Field(
        default_factory=lambda: list(DEFAULT_CHECKLIST),
        description="the readiness checklist of every wave member, due T-minus days",
    )
    service_agreement_days_before_go_live: int = Field(
        SERVICE_AGREEMENT_DAYS_BEFORE_GO_LIVE,
        ge=0,
        description="in a wave, the service agreement is due this many days before go-live",
    )

    @field_validator("reminder_offsets_days")
    @classmethod
    def _positive_unique(cls, offsets: list[int]) -> list[int]:
        if any(not 0 < o <= 3650 for o in offsets) or len(set(offsets)) != len(offsets):
            raise ValueError("offsets must be distinct numbers of days from 1 to 3650")
        return sorted(offsets, reverse=True)

    @field_validator("send_time")
    @classmethod
    def _naive_time(cls, moment: time) -> time:
        if moment.tzinfo is not None:
            raise ValueError("give a local time of day without offset; the zone is `timezone`")
        return moment

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    @model_validator(mode="after")
    def _ladder_climbs(self) -> "ReminderPolicy":
        levels = [s.level for s in self.escalation_ladder]
        days = [s.business_days_after_deadline for s in self.escalation_ladder]
        if levels != list(range(1, len(levels) + 1)) or days != sorted(set(days)):
            raise ValueError("escalation levels must be 1, 2, ... with strictly later days")
        ids = [o.id for o in self.obligations]
        if len(set(ids)) != len(ids):
            raise ValueError("each obligation may be defined once")
        items = [i.id for i in self.checklist]
        if len(set(items)) != len(items):
            raise ValueError("each checklist item may be defined once")
        return self

    def rule(self, obligation_id: str) -> ObligationRule | None:
        """The rule of an obligation, or None if the policy has no such obligation."""
        return next((o for o in self.obligations if o.id == obligation_id), None)

    def checklist_rule(self, item_id: str) -> ChecklistItemRule | None:
        """The checklist item of that id, or None if the template has none."""
        return next((i for i in self.checklist if i.id == item_id), None)


def load_policy(path: Path | None) -> ReminderPolicy:
    """The policy in a JSON file, or the default one; a bad file is refused whole."""
    if path is None:
        return ReminderPolicy()
    try:
        data = json.loads(path.read_text("utf-8"))
        return ReminderPolicy.model_validate(data)
    except (OSError, ValueError) as err:
        raise RequestRejected(str(path), f"not a valid reminder policy: {err}") from None
