"""The demo region through the region's history: each fact on the party that existed on its date.

`demo-rollout.json` keeps every municipality's facts under its number of 2024
(docs/demo-region.md). Through the region's history (docs/region-history.md,
`HistoryPlan`) each fact goes to the party of its date instead:

- a renumbered municipality is one party: Oppdal's facts are all party 1634's,
  under 1634 until 2017 and 5021 since;
- a fact from before a merger goes to the municipalities merged: each of them
  signed the collaboration agreements of 2015/16 and 2017 (the 85 of 2015 all
  signed), on the day its successor of 2024 lists. Any other fact of then is
  the predecessor's whose name the successor carries (Trondheim's option vote
  of 2019-08-29 is party 1601's, not Klæbu's);
- a predecessor of several municipalities of 2024 (Snillfjord) takes its facts
  from the first of them by number;
- a merger's or split's result starts with what its reform derives from its
  predecessors, and carries on with its own facts from the reform's date on
  (Ålesund of 2020, party 1507, goes live in 2023; Ålesund and Haram of 2024
  carry that on from the split).

A made-up document reference (`SA-2015/5001`) names the number the party had
on the fact's date (`SA-2015/1601`). The waves stay as they are: their
go-live facts go to the parties of the wave's date.
"""

import asyncio
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import httpx

from onboarding.demo.loader import (
    CONCURRENCY,
    DemoLoaded,
    call,
    post_transition,
    record_wave,
    transition_body,
    waits_for,
)
from onboarding.demo.rollout import PROCESS_VERSION, DemoEvent, DemoParty, DemoRollout, DemoWave
from onboarding.demo.wave_driver import Send
from onboarding.domain.region_history.models import NumberPeriod
from onboarding.domain.region_history.parties import HistoryPlan
from onboarding.domain.vocabulary import Trigger

# What every municipality of 2015 did, so every party merged later did it too.
COLLABORATION = frozenset({Trigger.SIGN_COLLABORATION, Trigger.REQUIRE_RESIGNATURE})
_REFERENCE = re.compile(r"^(?P<head>[A-Z]+-[0-9]{4}/)[0-9]{4}$")
_DAY = timedelta(days=1)


def facts_by_party(rollout: DemoRollout, plan: HistoryPlan) -> dict[str, list[DemoEvent]]:
    """Every municipality's facts, each on the party that existed on its date (in date order)."""
    history = plan.history
    today = max(p.valid_from for p in history.periods)
    owner: dict[str, str] = {}  # party -> the number of 2024 whose facts it takes
    facts: dict[str, list[DemoEvent]] = {}
    for number in sorted(rollout.municipalities):
        now = history.period_of(number, today)
        if now is None:
            raise ValueError(f"{number} is no municipality of the region on {today}")
        lineage = [now, *history.predecessors(number, today)]
        for event in rollout.municipalities[number]:
            for party, period in _parties_of(plan, lineage, event, now):
                if owner.setdefault(party, number) != number:
                    continue
                facts.setdefault(party, []).append(_numbered(event, period.number))
    return {party: sorted(events, key=lambda e: e.on) for party, events in facts.items()}


def _parties_of(
    plan: HistoryPlan, lineage: Iterable[NumberPeriod], event: DemoEvent, now: NumberPeriod
) -> list[tuple[str, NumberPeriod]]:
    """The parties (with their periods then) a fact of `now`'s municipality is on."""
    found: dict[str, NumberPeriod] = {}
    for period in lineage:
        party = plan.party_of_key.get(period.key)
        if party is not None and period.valid_on(event.on):
            found.setdefault(party, period)
    if len(found) > 1 and event.trigger not in COLLABORATION:
        found = {party: p for party, p in found.items() if p.name == now.name}
    if not found or (len(found) > 1 and event.trigger not in COLLABORATION):
        raise ValueError(f"{now.number} {event.trigger} on {event.on}: no single party then")
    return list(found.items())


def _numbered(event: DemoEvent, number: str) -> DemoEvent:
    evidence = {
        field: (m["head"] + number if (m := _REFERENCE.match(value)) else value)
        for field, value in event.evidence.items()
    }
    return event.model_copy(update={"evidence": evidence})


def _home(party: DemoParty, plan: HistoryPlan, today: date) -> DemoParty:
    """A GP office's or specialist's home municipality as the party it is today."""
    number = party.municipality_number
    if number is None:
        return party
    home = plan.party_on(number, today)
    return party if home is None else party.model_copy(update={"municipality_number": home})


def history_rollout(rollout: DemoRollout, plan: HistoryPlan) -> DemoRollout:
    """The rollout with its municipalities' facts by party id: the parties of their dates."""
    today = max(p.valid_from for p in plan.history.periods)
    return DemoRollout(
        description=rollout.description,
        notes=rollout.notes,
        actor=rollout.actor,
        waves=rollout.waves,
        municipalities=facts_by_party(rollout, plan),
        parties=[_home(party, plan, today) for party in rollout.parties],
    )


def reform_days(plan: HistoryPlan) -> list[date]:
    """The days reforms took effect, in order: the demo records the facts before each first."""
    return sorted({reform.effective_on for reform in plan.reforms})


def day_before(day: date) -> date:
    """The last day before `day`."""
    return day - _DAY


# -- recording it, reform by reform ----------------------------------------------------

# A merger's new municipality carries on the furthest road among its predecessors: the
# Trondheim of 2020 carries on the preparation the Trondheim of 2019 had started.
DEMO_STAGE_RULE = "most_advanced"
HISTORY_LOAD = "/api/region/history/load"


def available_from(rollout: DemoRollout, plan: HistoryPlan) -> dict[str, date | None]:
    """Party id -> the reform day from which it exists (None: from the first day).

    A municipality: the day the reform that registers it took effect. Another
    kind: the day its home municipality exists (a hospital: the first day).
    """
    registered = plan.registered_on()
    found: dict[str, date | None] = {party: registered[party] for party in rollout.municipalities}
    for party in rollout.parties:
        home = party.municipality_number
        found[party.id] = None if home is None else registered[home]
    return found


async def load_demo_history(
    http: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    rollout: DemoRollout,
    plan: HistoryPlan,
    *,
    say: Callable[[str], None] = lambda _: None,
    concurrency: int = CONCURRENCY,
) -> DemoLoaded:
    """Record the demo region through the region's history, with the API at `http` (a
    coordinator's token) and `admin` (an admin's, for the history's reforms),
    both tokens that may backdate: every fact, reform and wave step counts as
    recorded on the day it took effect (recording_times.py), marked as
    backdated.

    The history's first day is registered; then, between each day reforms took
    effect and the next, every party's facts before the next day (each
    party's side by side, its own in order) and the waves that went live
    before it, then the next day's reforms (`POST /api/region/history/load`
    through that day). A party a reform creates records its facts once it
    exists, from where the reform put it.
    """
    mapped = history_rollout(rollout, plan)
    facts = mapped.facts
    exists_from = available_from(mapped, plan)
    days = reform_days(plan)
    say(
        f"Loading the demo region through its history: {mapped.transitions} facts of "
        f"{len(mapped.municipalities)} municipalities since 2015 and {len(mapped.parties)} other "
        f"parties, {len(plan.reforms)} reforms, {len(mapped.waves)} waves ..."
    )
    # At most `concurrency` requests under way at once, whichever party's stream
    # or wave makes them (as loader.load_demo does).
    gate = asyncio.Semaphore(concurrency)
    done: dict[str, int] = dict.fromkeys(facts, 0)  # facts recorded, in order, per party
    registrations = {party.id: party.registration() for party in mapped.parties}
    registered: set[str] = set()
    waves = sorted(mapped.waves, key=lambda w: w.dates[-1].go_live_at)
    transitions = 0

    async def send(method: str, path: str, body: object) -> object:
        async with gate:
            return await call(http, method, path, body)

    async def history(through: date) -> None:
        body = {"through": through.isoformat(), "stage_rule": DEMO_STAGE_RULE, "backdated": True}
        await call(admin, "POST", HISTORY_LOAD, {**body, "process_version": PROCESS_VERSION})

    async def one(party: str, before: date | None) -> int:
        if party in registrations and party not in registered:
            registered.add(party)
            await send("POST", "/api/parties", registrations[party])
        return await record_facts_before(send, party, facts[party], done, before=before)

    await history(day_before(days[0]))
    for start, end in zip([None, *days], [*days, None], strict=True):
        here = [
            p for p, since in exists_from.items() if since is None or (start and since <= start)
        ]
        counts = await asyncio.gather(*(one(party, end) for party in here))
        transitions += sum(counts)
        due: list[DemoWave] = []
        while waves and (end is None or waves[0].went_live_on < end):
            due.append(waves.pop(0))
        transitions += await record_waves(send, mapped, due, concurrency=concurrency)
        if end is not None:
            await history(end)
    return DemoLoaded(
        municipalities=len(mapped.municipalities),
        transitions=transitions,
        waves=len(mapped.waves),
        parties=len(mapped.parties),
    )


async def record_waves(
    send: Send, rollout: DemoRollout, waves: list[DemoWave], *, concurrency: int
) -> int:
    """Record `waves` (gone live between two reform days) side by side; the members'
    transitions recorded.

    Each wave waits only for those of them its GP offices' home municipalities go
    live in (loader.waits_for), as loader.load_demo's waves do: the members of
    different waves are different parties, and each wave's workflow takes its own
    members one after another anyway.
    """
    after = waits_for(rollout, kinds=True)
    started: dict[str, asyncio.Task[int]] = {}

    async def when_ready(wave: DemoWave) -> int:
        await asyncio.gather(*(started[e] for e in after[wave.id] if e in started))
        return await record_wave(
            send, rollout, wave, concurrency=concurrency, kinds=True, backdated=True
        )

    for wave in waves:
        started[wave.id] = asyncio.create_task(when_ready(wave))
    try:
        return sum(await asyncio.gather(*started.values()))
    finally:
        for task in started.values():
            task.cancel()


async def record_facts_before(
    send: Send,
    party: str,
    events: list[DemoEvent],
    done: dict[str, int],
    *,
    before: date | None,
) -> int:
    """Record `party`'s facts from the first not yet recorded up to `before`, in order
    (its go-live is its wave's); `done[party]` moves on. Returns how many were recorded."""
    recorded = 0
    for index in range(done[party], len(events)):
        event = events[index]
        if before is not None and event.on >= before:
            break
        if event.trigger is not Trigger.GO_LIVE:
            body = transition_body(event, event.trigger, f"demo:{party}:{index}", backdated=True)
            await post_transition(send, party, body)
            recorded += 1
        done[party] = index + 1
    return recorded
