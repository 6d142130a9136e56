"""The facts of the demo region, as shipped in onboarding/data/demo-rollout.json."""

import json
from datetime import date
from importlib import resources
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from onboarding.domain.parties.registration import PartyRegistration
from onboarding.domain.vocabulary import Trigger

SHIPPED_FILE = "demo-rollout.json"

# The facts are the rollout as it ran, under the first process: version 1 (its
# preparation has no call-off step). The demo's municipalities run it, beside
# version 2 for any registered later.
PROCESS_VERSION = 1
OSLO = ZoneInfo("Europe/Oslo")


class DemoEvent(BaseModel):
    """One recorded fact: a transition, on the day it took effect.

    A `go_live` fact stands for the municipality's go-live in the wave named by
    `wave` (an id of `DemoRollout.waves`); the loader records it through that
    wave (loader.record_wave).
    """

    model_config = ConfigDict(extra="forbid")

    trigger: Trigger
    on: date
    evidence: dict[str, str] = Field(default_factory=dict)
    comment: str | None = None
    wave: str | None = None


class DemoWaveDate(BaseModel):
    """A go-live date a wave had, and why it was set."""

    model_config = ConfigDict(extra="forbid")

    go_live_at: AwareDatetime
    reason: str


class DemoWave(BaseModel):
    """A wave that went live, recorded after the fact: every date it had, the last one kept.

    The first date is the one it is created with (the API records that as
    "created"; its `reason` documents the plan); each later one is a reschedule
    with its reason.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    health_trust: str | None = None
    dates: list[DemoWaveDate] = Field(min_length=1)

    @property
    def went_live_on(self) -> date:
        """The day it went live (its last date, in Europe/Oslo)."""
        return self.dates[-1].go_live_at.astimezone(OSLO).date()


class DemoParty(PartyRegistration):
    """A GP office, private specialist or hospital: its registration and its facts in order.

    The registration is the body of POST /api/parties (checked as the API
    checks it); `source` says where its facts come from, or that they are made up.
    """

    model_config = ConfigDict(extra="forbid")

    source: str
    events: list[DemoEvent]

    @property
    def id(self) -> str:
        """The party id it is registered under (gp-<org number>, ...)."""
        return self.party_id

    def registration(self) -> dict[str, object]:
        """The body of POST /api/parties that registers it."""
        return self.model_dump(mode="json", exclude={"source", "events"}, exclude_none=True)


class DemoRollout(BaseModel):
    """Every party's facts, in the order they took effect; the waves that went live.

    `municipalities` holds the region's municipalities by number; `parties` the
    other kinds (registered first, then recorded like a municipality).
    """

    model_config = ConfigDict(extra="forbid")

    description: str
    notes: list[str]
    actor: str = Field(description="name of the token that records the facts")
    waves: list[DemoWave]
    municipalities: dict[str, list[DemoEvent]]
    parties: list[DemoParty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _go_lives_name_their_waves(self) -> Self:
        waves = {wave.id: wave for wave in self.waves}
        for number, events in self.facts.items():
            for event in events:
                if event.trigger is not Trigger.GO_LIVE:
                    continue
                wave = waves.get(event.wave or "")
                if wave is None:
                    raise ValueError(f"{number}: go_live names no known wave ({event.wave!r})")
                if wave.went_live_on != event.on:
                    raise ValueError(
                        f"{number}: go_live on {event.on}, but wave {wave.id} went live "
                        f"on {wave.went_live_on}"
                    )
        return self

    @model_validator(mode="after")
    def _one_party_per_id(self) -> Self:
        ids = [party.id for party in self.parties]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"parties listed twice: {', '.join(twice)}")
        return self

    @property
    def facts(self) -> dict[str, list[DemoEvent]]:
        """Every party's facts by id: the municipalities', then the other kinds'."""
        return {**self.municipalities, **{party.id: party.events for party in self.parties}}

    @property
    def transitions(self) -> int:
        """How many facts there are."""
        return sum(len(events) for events in self.facts.values())

    def members(self, wave_id: str, *, kinds: bool = False) -> list[str]:
        """The municipalities that went live in the wave, by number (kinds: every party's id)."""
        facts = self.facts if kinds else self.municipalities
        return [
            number
            for number, events in facts.items()
            if any(e.trigger is Trigger.GO_LIVE and e.wave == wave_id for e in events)
        ]


def shipped_rollout() -> DemoRollout:
    """The demo region's facts, shipped with the package."""
    text = resources.files("onboarding").joinpath("data", SHIPPED_FILE).read_text("utf-8")
    return DemoRollout.model_validate(json.loads(text))
