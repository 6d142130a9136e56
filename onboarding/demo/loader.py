"""Record the demo region through the REST API, as a coordinator would.

Every fact becomes `POST /api/municipalities/{number}/transitions` with its
effective date, evidence and comment, so the demo exercises exactly what a
coordinator's requests do (validation, workflow, audit log). Each
municipality's facts go in order (a transition may not take effect before the
previous one); municipalities go side by side. Go-lives go through their
waves, as production waves (#4) require: each wave that went live is recorded
after the fact once its members' earlier facts are in. Idempotency keys, and
looking at a wave before changing it, make a rerun after an interruption
harmless.

With `kinds`, the GP offices, private specialists and hospitals of the
rollout (`DemoRollout.parties`) go in too: each registered with
`POST /api/parties` (a repeat changes nothing), its facts recorded at
`/api/parties/{id}/transitions`, and its go-live through its wave beside the
municipalities, made ready after them (a GP office's readiness may wait for
its municipality's).
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from pydantic import BaseModel, Field

from onboarding.demo.rollout import DemoEvent, DemoParty, DemoRollout, DemoWave
from onboarding.demo.wave_driver import MemberDates, PastWave, go_live_in_past_wave, party_path
from onboarding.domain.errors import OnboardingError
from onboarding.domain.vocabulary import Trigger

CONCURRENCY = 8


class DemoLoadFailed(OnboardingError):
    """The API refused a fact of the demo region."""

    code = "demo_load_failed"


class DemoLoaded(BaseModel):
    """What the loader recorded."""

    municipalities: int
    transitions: int
    waves: int = 0
    parties: int = Field(0, description="GP offices, specialists and hospitals registered")


async def call(http: httpx.AsyncClient, method: str, url: str, body: Any = None) -> Any:
    """One API request; raise DemoLoadFailed with the API's answer unless it succeeded."""
    response = await http.request(method, url, json=body)
    if response.status_code not in (200, 201):
        raise DemoLoadFailed(f"{method} {url} {body}: HTTP {response.status_code} {response.text}")
    return response.json()


async def post_transition(
    http: httpx.AsyncClient, number: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Record one transition; raise DemoLoadFailed with the API's answer if refused."""
    answer: dict[str, Any] = await call(http, "POST", f"{party_path(number)}/transitions", body)
    return answer


def transition_body(event: DemoEvent, trigger: Trigger, key: str) -> dict[str, Any]:
    """The body of POST .../transitions that records `event` under idempotency key `key`."""
    body: dict[str, Any] = {
        "trigger": trigger.value,
        "effective_on": event.on.isoformat(),
        "evidence": event.evidence,
        "idempotency_key": key,
    }
    if event.comment:
        body["comment"] = event.comment
    return body


def past_wave(wave: DemoWave) -> PastWave:
    """The demo wave as the wave driver records it, its evidence naming the demo."""
    (first, *moves) = wave.dates
    return PastWave(
        id=wave.id,
        name=wave.name,
        go_live_at=first.go_live_at,
        health_trust=wave.health_trust,
        moves=[(d.go_live_at, d.reason) for d in moves],
        evidence={
            "source": f"Demo region (docs/demo-region.md): wave {wave.id}, recorded after the fact"
        },
    )


async def record_wave(
    http: httpx.AsyncClient,
    rollout: DemoRollout,
    wave: DemoWave,
    *,
    concurrency: int,
    kinds: bool = False,
) -> int:
    """Record a wave that went live, after the fact; returns the members' transitions recorded.

    Created on the date first planned with its members, moved to each later
    date (so their timelines show the moves), each member's checklist items
    done on their wave-relative deadlines and its go-live approved at the
    go/no-go meeting a week before, never before the member's previous fact
    (Haram had no option of its own until the day it went live); then the
    wave's approve decision takes them live on its own date.
    """
    members = rollout.members(wave.id)
    others = [m for m in rollout.members(wave.id, kinds=True) if m not in members] if kinds else []
    facts_of = rollout.facts

    def dates(number: str) -> MemberDates:
        facts = facts_of[number]
        after = max(e.on for e in facts if e.trigger is not Trigger.GO_LIVE)
        return MemberDates(
            approve_on=max(wave.went_live_on - timedelta(days=7), after),
            done_on=lambda deadline: max(deadline, after),
        )

    async def send(method: str, path: str, body: Any) -> Any:
        return await call(http, method, path, body)

    view = await go_live_in_past_wave(
        send, past_wave(wave), members, dates, concurrency=concurrency, then=others
    )
    if view["status"] != "live":
        raise DemoLoadFailed(f"wave {wave.id} did not go live: {view}")
    return 2 * (len(members) + len(others))  # approve_go_live, and the wave's go_live


async def record_municipality(http: httpx.AsyncClient, number: str, events: list[DemoEvent]) -> int:
    """Record one party's facts in order, up to its go-live (its wave records that)."""
    recorded = 0
    for index, event in enumerate(events):
        if event.trigger is Trigger.GO_LIVE:
            continue
        await post_transition(
            http, number, transition_body(event, event.trigger, f"demo:{number}:{index}")
        )
        recorded += 1
    return recorded


async def register_party(http: httpx.AsyncClient, party: DemoParty) -> None:
    """Register a GP office, specialist or hospital (again: the same answer, nothing changed)."""
    await call(http, "POST", "/api/parties", party.registration())


async def load_demo(
    http: httpx.AsyncClient,
    rollout: DemoRollout,
    *,
    say: Callable[[str], None] = lambda _: None,
    concurrency: int = CONCURRENCY,
    kinds: bool = False,
) -> DemoLoaded:
    """Record every fact of `rollout` through the API `http` points at (a coordinator token).

    First (with `kinds`) the other parties are registered; then each party's
    facts up to its go-live, side by side; then the waves in date order, each
    one's members side by side.
    """
    gate = asyncio.Semaphore(concurrency)
    parties = rollout.parties if kinds else []

    async def one(number: str, events: list[DemoEvent]) -> int:
        async with gate:
            return await record_municipality(http, number, events)

    async def registered(party: DemoParty) -> None:
        async with gate:
            await register_party(http, party)

    facts = {**rollout.municipalities, **{party.id: party.events for party in parties}}
    say(
        f"Loading the demo region: {sum(len(e) for e in facts.values())} facts of "
        f"{len(rollout.municipalities)} municipalities and {len(parties)} other parties, "
        f"{len(rollout.waves)} waves ..."
    )
    await asyncio.gather(*(registered(party) for party in parties))
    counts = await asyncio.gather(*(one(number, events) for number, events in facts.items()))
    in_waves = 0
    for wave in sorted(rollout.waves, key=lambda w: w.dates[-1].go_live_at):
        in_waves += await record_wave(http, rollout, wave, concurrency=concurrency, kinds=kinds)
    return DemoLoaded(
        municipalities=len(rollout.municipalities),
        transitions=sum(counts) + in_waves,
        waves=len(rollout.waves),
        parties=len(parties),
    )
