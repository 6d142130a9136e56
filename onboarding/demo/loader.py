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
from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, Field

from onboarding.demo.recording_times import recorded_text
from onboarding.demo.rollout import DemoEvent, DemoRollout, DemoWave
from onboarding.demo.wave_driver import (
    MemberDates,
    PastWave,
    Send,
    go_live_in_past_wave,
    party_path,
)
from onboarding.domain.errors import OnboardingError
from onboarding.domain.vocabulary import Trigger

# Requests under way at once, from every party's stream and every wave together.
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


async def post_transition(send: Send, number: str, body: dict[str, Any]) -> dict[str, Any]:
    """Record one transition; raise DemoLoadFailed with the API's answer if refused."""
    answer: dict[str, Any] = await send("POST", f"{party_path(number)}/transitions", body)
    return answer


def transition_body(
    event: DemoEvent, trigger: Trigger, key: str, *, backdated: bool = False
) -> dict[str, Any]:
    """The body of POST .../transitions that records `event` under idempotency key `key`;
    `backdated`: recorded on the day it took effect (recording_times.py)."""
    body: dict[str, Any] = {
        "trigger": trigger.value,
        "effective_on": event.on.isoformat(),
        "evidence": event.evidence,
        "idempotency_key": key,
    }
    if backdated:
        body["recorded_at"] = recorded_text(event.on)
    if event.comment:
        body["comment"] = event.comment
    return body


def past_wave(wave: DemoWave, *, planned_on: date | None = None) -> PastWave:
    """The demo wave as the wave driver records it, its evidence naming the demo
    (`planned_on`: backdated, planned that day)."""
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
        planned_on=planned_on,
    )


async def record_wave(
    send: Send,
    rollout: DemoRollout,
    wave: DemoWave,
    *,
    concurrency: int,
    kinds: bool = False,
    backdated: bool = False,
) -> int:
    """Record a wave that went live, after the fact; returns the members' transitions recorded.

    Created on the date first planned with its members, moved to each later
    date (so their timelines show the moves), each member's checklist items
    done on their wave-relative deadlines and its go-live approved at the
    go/no-go meeting a week before, never before the member's previous fact
    (Haram had no option of its own until the day it went live); then the
    wave's approve decision takes them live on its own date. `backdated`: each
    step counts as recorded on its own day, the wave and its members as
    planned on the day the first member's last fact before it took effect.
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

    planned_on = None
    if backdated:
        planned_on = min(
            max(e.on for e in facts_of[m] if e.trigger is not Trigger.GO_LIVE)
            for m in [*members, *others]
        )
    view = await go_live_in_past_wave(
        send,
        past_wave(wave, planned_on=planned_on),
        members,
        dates,
        concurrency=concurrency,
        then=others,
    )
    if view["status"] != "live":
        raise DemoLoadFailed(f"wave {wave.id} did not go live: {view}")
    return 2 * (len(members) + len(others))  # approve_go_live, and the wave's go_live


async def record_facts(send: Send, number: str, events: list[DemoEvent]) -> int:
    """Record one party's facts in order, up to its go-live (its wave records that)."""
    recorded = 0
    for index, event in enumerate(events):
        if event.trigger is Trigger.GO_LIVE:
            continue
        await post_transition(
            send, number, transition_body(event, event.trigger, f"demo:{number}:{index}")
        )
        recorded += 1
    return recorded


def waits_for(rollout: DemoRollout, *, kinds: bool) -> dict[str, set[str]]:
    """Each wave's earlier waves it must follow: those its members' home municipalities go in.

    A GP office may go live only once its municipality is ready or live; every
    other wave goes side by side with the rest.
    """
    home = {party.id: party.municipality_number for party in rollout.parties} if kinds else {}
    wave_of = {
        number: wave.id
        for wave in rollout.waves
        for number in rollout.members(wave.id, kinds=kinds)
    }
    return {
        wave.id: {
            wave_of[town]
            for member in rollout.members(wave.id, kinds=kinds)
            if (town := home.get(member)) is not None and wave_of.get(town) not in (None, wave.id)
        }
        for wave in rollout.waves
    }


async def load_demo(
    http: httpx.AsyncClient,
    rollout: DemoRollout,
    *,
    say: Callable[[str], None] = lambda _: None,
    concurrency: int = CONCURRENCY,
    kinds: bool = False,
) -> DemoLoaded:
    """Record every fact of `rollout` through the API `http` points at (a coordinator token).

    Every party's facts are a stream of requests made in order (with `kinds`,
    a party of another kind is registered first); the streams go side by side.
    Each wave starts as soon as its members' streams are in (and the waves of
    the municipalities its GP offices wait for have gone live). At most
    `concurrency` requests are under way at once, whoever makes them.
    """
    gate = asyncio.Semaphore(concurrency)

    async def send(method: str, path: str, body: Any) -> Any:
        async with gate:
            return await call(http, method, path, body)

    parties = rollout.parties if kinds else []
    registrations = {party.id: party.registration() for party in parties}
    facts = {**rollout.municipalities, **{party.id: party.events for party in parties}}
    say(
        f"Loading the demo region: {sum(len(e) for e in facts.values())} facts of "
        f"{len(rollout.municipalities)} municipalities and {len(parties)} other parties, "
        f"{len(rollout.waves)} waves ..."
    )

    async def stream(number: str, events: list[DemoEvent]) -> int:
        if number in registrations:  # a repeat changes nothing
            await send("POST", "/api/parties", registrations[number])
        return await record_facts(send, number, events)

    streams = {number: asyncio.create_task(stream(number, e)) for number, e in facts.items()}
    after = waits_for(rollout, kinds=kinds)
    waves: dict[str, asyncio.Task[int]] = {}

    async def wave_when_ready(wave: DemoWave) -> int:
        await asyncio.gather(*(streams[m] for m in rollout.members(wave.id, kinds=kinds)))
        await asyncio.gather(*(waves[earlier] for earlier in after[wave.id]))
        return await record_wave(send, rollout, wave, concurrency=concurrency, kinds=kinds)

    for wave in rollout.waves:
        waves[wave.id] = asyncio.create_task(wave_when_ready(wave))
    try:
        counts = await asyncio.gather(*streams.values())
        in_waves = await asyncio.gather(*waves.values())
    finally:
        for task in [*streams.values(), *waves.values()]:
            task.cancel()
    return DemoLoaded(
        municipalities=len(rollout.municipalities),
        transitions=sum(counts) + sum(in_waves),
        waves=len(rollout.waves),
        parties=len(parties),
    )
