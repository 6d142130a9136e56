"""Take municipalities live through a wave recorded after the fact (REST API or engine).

Every driver that walks municipalities to `live` (the demo loader, the fault
and scale tests, the benchmarks, the history recorder) goes through a wave, as `approve_go_live`
requires: create the wave with `recorded_after_the_fact` (its go-live instant
is already past), add the members, mark their checklist items done
(backdated), approve each member's go-live, then the wave's `approve`
decision takes every ready member live on the wave's own date. Each driver
brings its own way of sending a request (`Send`): retries, timing, tokens.
Drivers below the API (the history recorder, the time-skipping bench) use
`go_live_through_engine`, the same steps through onboarding.gateway.waves.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio.client import Client

from onboarding.demo.recording_times import recorded_text
from onboarding.domain.actor import Actor
from onboarding.domain.calendar import OSLO, oslo_date
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.parties.models import TransitionCommand
from onboarding.domain.party import PartyKind, kind_of
from onboarding.domain.vocabulary import Trigger
from onboarding.domain.waves.models import (
    AddMemberCommand,
    ChecklistCommand,
    Decision,
    DecisionCommand,
    WaveCreate,
    WaveView,
)
from onboarding.gateway import parties as gateway
from onboarding.gateway import waves as wave_engine

# A backdated wave's move counts as recorded this long before the date it replaced.
MOVED_BEFORE = timedelta(days=30)

# A wave's workflow adds its members one at a time (under its lock). Two
# requests at once keep it busy, the second waiting while the first runs;
# more only wait there too, holding requests a caller's bound on requests in
# flight could spend on other workflows (the benchmarks keep 10 in flight).
ADDS_AT_ONCE = 2

# method, path, JSON body (None: no body) -> the JSON answer; raises if refused.
Send = Callable[[str, str, Any], Awaitable[Any]]


@dataclass(frozen=True)
class PastWave:
    """A wave whose go-live already happened, as the API's create body wants it."""

    id: str
    name: str
    go_live_at: datetime
    evidence: dict[str, str]
    health_trust: str | None = None
    moves: Sequence[tuple[datetime, str]] = field(default=())  # later dates, with why
    # Backdated (the demo loader's token only): the day the wave was planned, when it
    # counts as created with its members; its checklists, approvals and decision then
    # count as recorded on their own days (recording_times.py). None: recorded now.
    planned_on: date | None = None

    @property
    def last_go_live_at(self) -> datetime:
        """The date it went live: its last."""
        return self.moves[-1][0] if self.moves else self.go_live_at

    def recorded(self, day: date) -> dict[str, str]:
        """The body field that backdates a request of `day`, if this wave is backdated."""
        return {} if self.planned_on is None else {"recorded_at": recorded_text(day)}


@dataclass(frozen=True)
class MemberDates:
    """When a member's checklist items were done and its go-live approved."""

    approve_on: date
    # item deadline (wave-relative) -> the day it was done
    done_on: Callable[[date], date]


def wave_of_the_day(wave_id: str, day: date, *, evidence: dict[str, str]) -> PastWave:
    """A wave that went live at the start of `day` (Europe/Oslo), for drivers that go live today.

    Its instant is already past whenever in the day it is created, so it is
    recorded after the fact and its approve decision takes members live at once,
    effective `day`: no timer to wait for, on any clock.
    """
    return PastWave(
        id=wave_id,
        name=f"Wave {wave_id}",
        go_live_at=datetime.combine(day, time(0), tzinfo=OSLO),
        evidence=evidence,
    )


def party_path(number: str) -> str:
    """A member's own routes: a municipality's as they have always been, any other party's."""
    kind = "municipalities" if kind_of(number) is PartyKind.MUNICIPALITY else "parties"
    return f"/api/{kind}/{number}"


def all_on(day: date) -> Callable[[str], MemberDates]:
    """Every member's checklist done and go-live approved on `day`."""
    return lambda _number: MemberDates(approve_on=day, done_on=lambda _deadline: day)


async def find(send: Send, wave_id: str) -> dict[str, Any] | None:
    """The wave's view, or None if there is no such wave (from the list: no 404 to retry)."""
    listed = await send("GET", "/api/waves", None)
    if not any(row["id"] == wave_id for row in listed):
        return None
    view: dict[str, Any] = await send("GET", f"/api/waves/{wave_id}", None)
    return view


async def create_and_fill(
    send: Send,
    wave: PastWave,
    members: Sequence[str],
    *,
    exists: bool | None = None,
    concurrency: int = ADDS_AT_ONCE,
) -> None:
    """Create the wave (unless it exists), add the members, move it to its later dates.

    `exists`: whether the caller already looked the wave up (None: look it up);
    at most `concurrency` members are added at once.
    """
    if exists is None:
        exists = await find(send, wave.id) is not None
    planned = wave.recorded(wave.planned_on) if wave.planned_on else {}
    if not exists:
        body = {
            "id": wave.id,
            "name": wave.name,
            "go_live_at": wave.go_live_at.isoformat(),
            "health_trust": wave.health_trust,
            "recorded_after_the_fact": True,
            **planned,
        }
        await send("POST", "/api/waves", body)
    gate = asyncio.Semaphore(concurrency)

    async def add(number: str) -> None:
        async with gate:
            await send("POST", f"/api/waves/{wave.id}/members", {"number": number, **planned})

    # Side by side, though the wave's workflow takes them one after another.
    await asyncio.gather(*(add(number) for number in members))
    view = await send("GET", f"/api/waves/{wave.id}", None)
    dates = [wave.go_live_at, *(at for at, _ in wave.moves)]
    for index, (go_live_at, reason) in enumerate(wave.moves):
        if index < len(view["dates"]) - 1:
            continue  # moved in an earlier run
        body = {"go_live_at": go_live_at.isoformat(), "reason": reason}
        if wave.planned_on is not None:
            # A move counts as recorded a month before the date it replaced.
            moved_on = max(wave.planned_on, oslo_date(dates[index]) - MOVED_BEFORE)
            body.update(wave.recorded(moved_on))
        await send("POST", f"/api/waves/{wave.id}/reschedule", body)


async def mark_done(send: Send, number: str, items: list[dict[str, Any]]) -> None:
    """Mark `items` (bodies of POST .../checklist's list) done in one request: one update
    of the party's workflow, one write. Nothing to send for none."""
    if items:
        await send("POST", f"{party_path(number)}/checklist", {"items": items})


async def make_ready(
    send: Send, wave: PastWave, number: str, dates: MemberDates, *, key: str
) -> None:
    """Mark every open checklist item done (backdated), then approve the member's go-live."""
    checklist = await send("GET", f"{party_path(number)}/checklist", None)

    def done(item: dict[str, Any]) -> dict[str, Any]:
        done_on = dates.done_on(date.fromisoformat(item["deadline"]))
        return {
            "item": item["id"],
            "done_on": done_on.isoformat(),
            "evidence": wave.evidence,
            **wave.recorded(done_on),
        }

    todo = [done(item) for item in checklist["items"] if item["done"] is None]
    await mark_done(send, number, todo)
    approve = {
        "trigger": "approve_go_live",
        "effective_on": dates.approve_on.isoformat(),
        "comment": f"go/no-go of wave {wave.id}",
        "idempotency_key": key,
        **wave.recorded(dates.approve_on),
    }
    await send("POST", f"{party_path(number)}/transitions", approve)


async def approve(send: Send, wave: PastWave) -> dict[str, Any]:
    """The wave's approve decision: every ready member goes live on the wave's date."""
    view: dict[str, Any] = await send("GET", f"/api/waves/{wave.id}", None)
    if view["status"] == "planned":
        body = {
            "decision": "approve",
            "evidence": wave.evidence,
            **wave.recorded(oslo_date(wave.last_go_live_at)),
        }
        answer = await send("POST", f"/api/waves/{wave.id}/decision", body)
        # None: a driver that repeats requests saw its lost try go through (409).
        view = answer if answer is not None else await send("GET", f"/api/waves/{wave.id}", None)
    return view


async def go_live_in_past_wave(
    send: Send,
    wave: PastWave,
    members: Sequence[str],
    dates: Callable[[str], MemberDates],
    *,
    concurrency: int = 8,
    then: Sequence[str] = (),
) -> dict[str, Any]:
    """Take `members` live in `wave`, recorded after the fact; returns the wave's view.

    Members join at most ADDS_AT_ONCE at a time (the wave takes them one by
    one); their checklists go side by side (at most `concurrency` at once);
    those in `then` (GP offices, whose readiness may wait for their
    municipality's) are made ready once `members` are. A
    rerun after an interruption repeats nothing: the wave is looked up, items
    done are skipped, approvals carry idempotency keys, and an approved wave
    is not approved again.
    """
    existing = await find(send, wave.id)
    if existing is not None and existing["status"] != "planned":
        return existing  # gone live in an earlier run
    await create_and_fill(
        send,
        wave,
        [*members, *then],
        exists=existing is not None,
        concurrency=min(concurrency, ADDS_AT_ONCE),
    )
    gate = asyncio.Semaphore(concurrency)

    async def ready(number: str) -> None:
        async with gate:
            await make_ready(send, wave, number, dates(number), key=f"{wave.id}:{number}:approve")

    for group in (members, then):
        await asyncio.gather(*(ready(number) for number in group))
    return await approve(send, wave)


async def go_live_through_engine(
    client: Client,
    number: str,
    *,
    wave_id: str,
    task_queue: str,
    now: datetime,
    actor: Actor,
    evidence: dict[str, str],
) -> WaveView:
    """The same steps through the engine gateway, for one member, on the clock `now` gives.

    `now` is the Temporal server's time (a time-skipping server's may be
    years ahead of ours); the wave goes live at the start of its day.
    """
    today = oslo_date(now)
    wave = wave_of_the_day(wave_id, today, evidence=evidence)
    await wave_engine.create_wave(
        client,
        WaveCreate(
            id=wave.id, name=wave.name, go_live_at=wave.go_live_at, recorded_after_the_fact=True
        ),
        actor=actor,
        task_queue=task_queue,
        now=now,
    )
    await wave_engine.add_member(client, wave.id, AddMemberCommand(number=number, actor=actor))
    for item in ChecklistItemId:
        await wave_engine.complete_item(
            client,
            number,
            ChecklistCommand(item=item.value, done_on=today, evidence=evidence, actor=actor),
        )
    await gateway.transition(
        client,
        number,
        TransitionCommand(trigger=Trigger.APPROVE_GO_LIVE, effective_on=today, actor=actor),
    )
    return await wave_engine.decide(
        client, wave.id, DecisionCommand(decision=Decision.APPROVE, evidence=evidence, actor=actor)
    )
