"""A country-sized region on `onboarding up`, over HTTP: every party's whole road, with waves
and escalations, against the floor measured in the same run (#23).

What runs: `python -m onboarding up` in a fresh data dir (bench.rig.running_up)
with two settings of a user's: the reminder policy compressed through the
policy file (calendar `every_day`, `send_time` `lead` seconds after the start,
so escalation-1 falls due during the run for every party whose deadline is
today; the reminders 60, 30 and 7 days before are passed over as past), and the
worker's cache sized to the region (`--cache`; the shipped 1,000 makes the
worker replay an evicted party's history at its next task). Everything else is
the shipped default: the dev server, the worker child, the API, the region of
67 municipalities loaded on the first start.

The region: those 67 municipalities and, registered over HTTP from import
files of 1,000 lines (POST /api/parties/import), GP offices, private
specialists and hospitals to make `size` parties in all: one in a hundred a
hospital, of the rest two in five specialists and three in five GP offices,
spread over the municipalities and their health trusts. Every party is open
at once on the dev server from the registration on.

The drive, as coordinators would, over TCP with a coordinator's token and an
idempotency key on every transition, at most `concurrency` requests in flight:
1. Every party to its first obligation (a municipality signs the collaboration
   agreement, an office or specialist is offered the standard agreement; a
   hospital is there already) and that obligation's deadline moved to today.
2. Quiet until escalation-1 has written its two outbox rows for every party:
   not counted as work.
3. The rest of the road to a production wave (a municipality exercises its
   option, starts preparing, signs the call-off and the service agreement; an
   office or specialist signs and starts preparing; a hospital starts
   preparing), then live through waves of up to WAVE_SIZE recorded after the
   fact (onboarding.demo.wave_driver: members added, checklists done in one
   request each, go-live approved, the wave's approve decision). A
   municipality's first wave takes it and its first GP offices (which go live
   with or after their municipality); its other offices follow in waves of
   their own once it is live. Specialists and hospitals go in waves of their
   own.

"All live" is counted from each party's own stage in the read model, never a
wave's status. The throughput is the workflow updates of phases 1 and 3 over
their wall time, counted from the dev server's histories (bench/updates.py):
every update that completed in those windows, on a party's workflow or a
wave's, whether a coordinator's request made it directly (a transition, a
deadline, a checklist) or through a wave (a member joining, a member taken
live by the wave's approval). The API's writes per second (POST and PUT) are
printed beside it; reads (a member's checklist, the wave list) are counted in
neither. The floor (bench/floor.py served over HTTP by a process of its own,
as in bench/up_http.py) is then measured on the same dev server with as many
floor workflows open as there are parties, at the same concurrency: one update
per request, so its requests are its updates.
"""

import asyncio
import contextlib
import itertools
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select

from bench.drive import gather_limited
from bench.rig import REPEAT_PAUSES, Bench, running_up
from bench.up_http import coordinator_bench, floor_over_http
from bench.updates import updates_completed
from onboarding.demo.wave_driver import all_on, go_live_in_past_wave, party_path, wave_of_the_day
from onboarding.domain.calendar import OSLO, oslo_date
from onboarding.domain.parties.import_file import COLUMNS
from onboarding.domain.party import PartyKind, org_number_check_digit
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.machine import ProcessContext, decide
from onboarding.domain.process.registry import latest
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.parties import MunicipalityRow

# Members of one production wave: the region's real waves took 1 to 10 municipalities,
# a municipality's wave its GP offices too.
WAVE_SIZE = 25
IMPORT_LINES = 1_000
SHIPPED_MUNICIPALITIES = 67
# Escalation-1 writes a row per recipient: the party's contact and the program coordinator.
ESCALATION_ROWS = 2
FLOOR_STEPS = 3

SIGNED = {"document_ref": "ARK-2026/0001", "signed_by": "benchmark"}
AGREEMENT = {"agreement_version": "2026", "document_ref": "ARK-2026/0001"}
TERMS = {"terms_version": "2026"}

# Each kind's road to a production wave: before its first obligation (phase 1), the
# obligation whose deadline is moved to today, and after it (phase 3); with evidence.
Step = tuple[Trigger, dict[str, str]]


@dataclass(frozen=True)
class Road:
    kind: PartyKind
    before: tuple[Step, ...]
    obligation: Trigger
    after: tuple[Step, ...]


ROADS: dict[PartyKind, Road] = {
    PartyKind.MUNICIPALITY: Road(
        PartyKind.MUNICIPALITY,
        before=((Trigger.SIGN_COLLABORATION, AGREEMENT),),
        obligation=Trigger.EXERCISE_OPTION,
        after=(
            (Trigger.EXERCISE_OPTION, {"case_ref": "2026/0001"}),
            (Trigger.START_PREPARATION, {}),
            (Trigger.SIGN_CALL_OFF_AGREEMENT, SIGNED),
            (Trigger.SIGN_SERVICE_AGREEMENT, SIGNED),
        ),
    ),
    PartyKind.GP_OFFICE: Road(
        PartyKind.GP_OFFICE,
        before=((Trigger.OFFER_STANDARD_AGREEMENT, AGREEMENT),),
        obligation=Trigger.SIGN_STANDARD_AGREEMENT,
        after=(
            (Trigger.SIGN_STANDARD_AGREEMENT, {**AGREEMENT, **SIGNED}),
            (Trigger.START_PREPARATION, {}),
        ),
    ),
    PartyKind.SPECIALIST: Road(
        PartyKind.SPECIALIST,
        before=((Trigger.OFFER_STANDARD_AGREEMENT, {**AGREEMENT, **TERMS}),),
        obligation=Trigger.SIGN_STANDARD_AGREEMENT,
        after=(
            (Trigger.SIGN_STANDARD_AGREEMENT, {**AGREEMENT, **TERMS, **SIGNED}),
            (Trigger.START_PREPARATION, {}),
        ),
    ),
    PartyKind.HOSPITAL: Road(
        PartyKind.HOSPITAL,
        before=(),
        obligation=Trigger.START_PREPARATION,
        after=((Trigger.START_PREPARATION, {}),),
    ),
}


def check_roads() -> None:
    """Each kind's newest process takes its road, into a stage a wave takes members from."""
    for kind, road in ROADS.items():
        definition = latest(kind.value)
        context = ProcessContext(definition=definition, stage=Stage.PROSPECTIVE)
        for trigger, _ in road.before + road.after:
            context = ProcessContext(definition=definition, stage=decide(context, trigger))
        if context.stage not in definition.wave_stages:
            raise RuntimeError(f"{kind.value}'s road ends in {context.stage}, not a wave's stage")


@dataclass
class CountryRow:
    parties: int
    by_kind: str
    concurrency: int
    cache: int
    registration_seconds: float
    phase_seconds: float
    api_writes: int
    wave_go_lives: int
    updates: int
    writes_per_second: float
    updates_per_second: float
    requests_per_second: float
    floor_updates_per_second: float
    ratio: float
    all_live: int
    not_live: str
    escalation_rows: int
    escalation_rows_expected: int
    waves: int
    repeats: int
    note: str = ""


def valid_org_numbers(count: int) -> list[str]:
    """`count` valid organisation numbers (their mod-11 check digit right), in order."""
    found: list[str] = []
    for first in itertools.count(80_000_000):
        digit = org_number_check_digit(str(first))
        if digit is not None:
            found.append(f"{first}{digit}")
            if len(found) == count:
                return found
    raise AssertionError("unreachable")


def import_lines(size: int, municipalities: Sequence[dict[str, Any]]) -> list[str]:
    """CSV lines (no header) of the parties besides the municipalities: `size` in all."""
    others = size - len(municipalities)
    hospitals = max(1, size // 100)
    specialists = (others - hospitals) * 2 // 5
    offices = others - hospitals - specialists
    trusts = sorted({m["health_trust"] for m in municipalities})
    orgs = iter(valid_org_numbers(others))
    lines = []
    for i in range(offices):
        home = municipalities[i % len(municipalities)]["number"]
        lines.append(f"gp_office,{next(orgs)},Legesenter {i},{home},,,{5 + i % 20}")
    for i in range(specialists):
        home = municipalities[i % len(municipalities)]
        specialty = ("psychiatry", "ophthalmology", "gynaecology")[i % 3]
        lines.append(
            f"specialist,{next(orgs)},Spesialist {i},{home['number']},"
            f"{home['health_trust']},{specialty},{1 + i % 4}"
        )
    for i in range(hospitals):
        lines.append(f"hospital,{next(orgs)},Sykehus {i},,{trusts[i % len(trusts)]},,")
    return lines


async def register(bench: Bench, lines: list[str]) -> list[str]:
    """Every line registered through import files of IMPORT_LINES; the party ids, in order."""
    header = ",".join(COLUMNS)
    chunks = [lines[i : i + IMPORT_LINES] for i in range(0, len(lines), IMPORT_LINES)]

    async def one(chunk: list[str]) -> list[str]:
        # A 503 says the workflows started but not all registered in time: sending the
        # same file again is safe (its registered lines count as present) and says when.
        for pause in (*REPEAT_PAUSES, None):
            response = await bench.http.post(
                "/api/parties/import",
                content="\n".join([header, *chunk]) + "\n",
                headers={**bench.auth(), "Content-Type": "text/csv"},
            )
            if response.status_code != 503 or pause is None:
                break
            bench.note_repeat("POST", "/api/parties/import", response)
            await asyncio.sleep(pause)
        if response.status_code != 200:
            raise RuntimeError(f"import: {response.status_code} {response.text[:500]}")
        return list(response.json()["numbers"])

    # One file at a time: each starts its workflows side by side already.
    return [n for chunk in chunks for n in await one(chunk)]


def stages(bench: Bench) -> dict[str, tuple[str, str, str | None]]:
    """Every party's kind, stage and home municipality, from the read model."""
    query = select(
        MunicipalityRow.number,
        MunicipalityRow.kind,
        MunicipalityRow.stage,
        MunicipalityRow.home_municipality,
    )
    with Session(bench.engine) as session:
        return {n: (k, s, h) for n, k, s, h in session.exec(query).all()}


def outbox_count(bench: Bench) -> int:
    with Session(bench.engine) as session:
        return int(session.exec(select(func.count()).select_from(NotificationRow)).one())


class Driver:
    """The coordinators' requests: at most `concurrency` in flight, each answered 200/201."""

    def __init__(self, bench: Bench, concurrency: int) -> None:
        self.bench = bench
        self.gate = asyncio.Semaphore(concurrency)
        # Members a wave's approve decision took live: an update of each member's
        # workflow beyond the decision's own write.
        self.go_lives = 0

    async def send(self, method: str, path: str, body: Any) -> Any:
        async with self.gate:
            response = await self.bench.request(method, path, body)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json()

    async def move(self, number: str, step: Step) -> None:
        trigger, evidence = step
        body = {
            "trigger": trigger.value,
            "evidence": evidence,
            "idempotency_key": f"country:{number}:{trigger.value}",
        }
        await self.send("POST", f"{party_path(number)}/transitions", body)

    async def deadline_today(self, number: str, obligation: Trigger) -> None:
        today = oslo_date(datetime.now(UTC))
        body = {
            "deadline": today.isoformat(),
            "reason": "benchmark: escalation-1 today",
            "idempotency_key": f"country:{number}:{obligation.value}:{today}",
        }
        await self.send("PUT", f"{party_path(number)}/obligations/{obligation.value}", body)


def waves_of(parties: dict[str, tuple[str, str, str | None]]) -> list[list[tuple[str, list[str]]]]:
    """The waves, as chains run one after another: (wave id, members) each.

    A municipality's chain: its first wave (it and its first GP offices), then
    the rest of its offices in waves of their own (side by side); specialists
    and hospitals each a chain of one wave.
    """
    offices: dict[str, list[str]] = defaultdict(list)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for number, (kind, _, home) in sorted(parties.items()):
        if kind == PartyKind.GP_OFFICE.value and home is not None:
            offices[home].append(number)
        else:
            by_kind[kind].append(number)
    count = itertools.count()
    chains: list[list[tuple[str, list[str]]]] = []
    for municipality in by_kind[PartyKind.MUNICIPALITY.value]:
        mine = offices.pop(municipality, [])
        first = [municipality, *mine[: WAVE_SIZE - 1]]
        rest = mine[WAVE_SIZE - 1 :]
        chain = [(f"country-{next(count):05d}", first)]
        chain += [
            (f"country-{next(count):05d}", rest[i : i + WAVE_SIZE])
            for i in range(0, len(rest), WAVE_SIZE)
        ]
        chains.append(chain)
    if offices:
        raise RuntimeError(f"GP offices of unknown municipalities: {sorted(offices)[:5]}")
    for kind in (PartyKind.SPECIALIST.value, PartyKind.HOSPITAL.value):
        members = by_kind[kind]
        chains += [
            [(f"country-{next(count):05d}", members[i : i + WAVE_SIZE])]
            for i in range(0, len(members), WAVE_SIZE)
        ]
    return chains


async def run_country(
    size: int, concurrency: int, *, lead: float | None = None, cache: int | None = None
) -> CountryRow:
    """`size` parties of every kind through their whole road on `onboarding up`, over HTTP."""
    check_roads()
    if size <= SHIPPED_MUNICIPALITIES:
        raise ValueError(f"more parties than the {SHIPPED_MUNICIPALITIES} shipped municipalities")
    # Time to register everyone and move them to their first deadline: measured
    # here at about 40 parties a second, with a margin.
    lead = lead if lead is not None else 60 + size * 0.1
    cache = cache if cache is not None else size
    instant = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    policy = ReminderPolicy(calendar="every_day", send_time=instant.astimezone(OSLO).time())
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as tmp:
        root = Path(tmp)
        policy_file = root / "policy.json"
        policy_file.write_text(policy.model_dump_json())
        env = {
            "ONBOARDING_POLICY_FILE": str(policy_file),
            "ONBOARDING_WORKER_MAX_CACHED_WORKFLOWS": str(cache),
        }
        async with contextlib.AsyncExitStack() as stack:
            served = await stack.enter_async_context(running_up(root, env=env))
            bench = await coordinator_bench(stack, root, served)
            driver = Driver(bench, concurrency)
            listed = await driver.send("GET", "/api/municipalities", None)

            began = time.perf_counter()
            numbers = await register(bench, import_lines(size, listed))
            while len(stages(bench)) < size:
                await asyncio.sleep(0.5)
            registration = time.perf_counter() - began
            parties = stages(bench)

            # Phase 1: every party to its first obligation, its deadline today.
            began, writes, requests = time.perf_counter(), bench.writes, bench.requests
            windows = [(datetime.now(UTC), datetime.now(UTC))]

            async def first(number: str) -> None:
                road = ROADS[PartyKind(parties[number][0])]
                for step in road.before:
                    await driver.move(number, step)
                await driver.deadline_today(number, road.obligation)

            await asyncio.gather(*(first(n) for n in parties))
            phase = time.perf_counter() - began
            windows[0] = (windows[0][0], datetime.now(UTC))
            notes = []
            if datetime.now(UTC) >= instant:
                notes.append("escalation-1 was past before every deadline was set: raise --lead")

            # Phase 2, not counted: escalation-1 for everyone.
            wait_until = time.monotonic() + max(0.0, (instant - datetime.now(UTC)).total_seconds())
            wait_until += 120 + size * 0.05
            obliged = sum(
                ROADS[PartyKind(k)].obligation is not None for k, _, _ in parties.values()
            )
            while outbox_count(bench) < ESCALATION_ROWS * obliged and time.monotonic() < wait_until:
                await asyncio.sleep(1)
            escalations = outbox_count(bench)

            # Phase 3: the rest of the road, then live through the waves.
            today = oslo_date(datetime.now(UTC))
            chains = waves_of(parties)
            began = time.perf_counter()
            windows.append((datetime.now(UTC), datetime.now(UTC)))

            async def wave(wave_id: str, members: list[str]) -> None:
                kinds = {m: ROADS[PartyKind(parties[m][0])] for m in members}
                await asyncio.gather(*(_rest(driver, m, kinds[m]) for m in members))
                lead_members = [m for m in members if kinds[m].kind is not PartyKind.GP_OFFICE]
                offices = [m for m in members if kinds[m].kind is PartyKind.GP_OFFICE]
                if not lead_members:
                    lead_members, offices = offices, []
                view = await go_live_in_past_wave(
                    driver.send,
                    wave_of_the_day(wave_id, today, evidence={"source": "benchmark"}),
                    lead_members,
                    all_on(today),
                    concurrency=WAVE_SIZE,
                    then=offices,
                )
                if view["status"] != "live":
                    raise RuntimeError(f"wave {wave_id} did not go live: {view['status']}")
                driver.go_lives += len(members)

            async def chain(waves: list[tuple[str, list[str]]]) -> None:
                await wave(*waves[0])
                await asyncio.gather(*(wave(*w) for w in waves[1:]))

            # Enough chains at once to keep `concurrency` requests in flight.
            await gather_limited([lambda c=c: chain(c) for c in chains], max(2, concurrency))  # type: ignore[misc]
            phase += time.perf_counter() - began
            windows[1] = (windows[1][0], datetime.now(UTC))
            writes, requests = bench.writes - writes, bench.requests - requests
            updates = await updates_completed(bench.client, windows)

            final = stages(bench)
            live = [n for n, (_, stage, _) in final.items() if stage == Stage.LIVE.value]
            not_live = Counter(
                f"{kind}:{stage}" for kind, stage, _ in final.values() if stage != Stage.LIVE.value
            )
            missing = set(numbers) - set(final)
            if missing:
                notes.append(f"{len(missing)} registered parties not in the read model")

            floor_rate = await _floor(stack, bench, served, len(final), concurrency)
            if bench.repeats:
                notes.append(bench.repeats_note())
    rate = updates / phase
    return CountryRow(
        parties=len(final),
        by_kind=", ".join(
            f"{k} {n}" for k, n in sorted(Counter(k for k, _, _ in final.values()).items())
        ),
        concurrency=concurrency,
        cache=cache,
        registration_seconds=registration,
        phase_seconds=phase,
        api_writes=writes,
        wave_go_lives=driver.go_lives,
        updates=updates,
        writes_per_second=writes / phase,
        updates_per_second=rate,
        requests_per_second=requests / phase,
        floor_updates_per_second=floor_rate,
        ratio=floor_rate / rate,
        all_live=len(live),
        not_live=", ".join(f"{k} {n}" for k, n in sorted(not_live.items())) or "none",
        escalation_rows=escalations,
        escalation_rows_expected=ESCALATION_ROWS * size,
        waves=sum(len(c) for c in chains),
        repeats=bench.repeats,
        note="; ".join(notes),
    )


async def _rest(driver: Driver, number: str, road: Road) -> None:
    for step in road.after:
        await driver.move(number, step)


async def _floor(
    stack: contextlib.AsyncExitStack, bench: Bench, served: Any, count: int, concurrency: int
) -> float:
    """Updates per second of `count` floor workflows over HTTP, FLOOR_STEPS each."""
    floors, step = await floor_over_http(stack, bench, served, count)

    async def life(workflow_id: str) -> None:
        for n in range(FLOOR_STEPS):
            await step(workflow_id, n)

    began = time.perf_counter()
    await gather_limited([lambda f=f: life(f) for f in floors], concurrency)  # type: ignore[misc]
    return count * FLOOR_STEPS / (time.perf_counter() - began)


def main() -> None:
    import argparse

    from bench.__main__ import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="parties in all (default 10,000)")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight")
    parser.add_argument(
        "--lead", type=float, help="seconds until escalation-1 (default 60 + size/10)"
    )
    parser.add_argument("--cache", type=int, help="the worker's cache (default: the size)")
    args = parser.parse_args()
    row = asyncio.run(run_country(args.size, args.concurrency, lead=args.lead, cache=args.cache))
    print(table("A country-sized region on `onboarding up`, over HTTP", [row]), flush=True)


if __name__ == "__main__":
    main()
