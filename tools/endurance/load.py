"""The region's life over HTTP: municipalities walk their roads, waves go live, reminders fall due.

Each municipality is a lane sending one transition after another, each with an
idempotency key, repeated until acknowledged (tools/endurance/client.py):
along the main road to `preparing` (with a re-signature on the way), then
round a loop back to `preparing` (pause, resume, decline, exercise_option,
pause, resume, start_preparation) until its wave's hour, then the call-off and
service agreements and go-live in a production wave of a few municipalities
recorded after the fact (onboarding.demo.wave_driver). Waves fall due spread
over the last part of the run.

Reminders: the region runs a policy with calendar `every_day` (docs/deadlines.md).
Every few minutes a few municipalities are held at `preparing`, an admin
migration (POST /api/migrations, a policy change alone) moves their send time
to a whole second about a minute ahead, and the deadline of the obligation
open there (the call-off agreement) is set to that instant's Oslo date:
escalation-1 falls due at that instant, to the municipality's contact and
the program's coordinator, both real addresses at the run's mail relay. A
municipality is held until its rows are sent (or long enough to call them
lost), then walks on; each is armed once.
"""

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bench import drive, up_http
from bench.up_http import ROAD, planned
from onboarding.demo.wave_driver import all_on, go_live_in_past_wave, wave_of_the_day
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.process.machine import ProcessContext, decide
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store.tables.notifications import NotificationRow
from tools.endurance.client import Api, LoadRefused

OSLO = ZoneInfo("Europe/Oslo")
PROCESS = up_http.PROCESS  # what a region loaded through the API runs: the newest

# The road and loop of the HTTP benchmark (bench/up_http.py), then the end of the road.
FINISH = (Trigger.SIGN_CALL_OFF_AGREEMENT, Trigger.SIGN_SERVICE_AGREEMENT)
SIGNED = {"document_ref": "ARK-2025/0101", "signed_by": "Kari, rådmann"}
EVIDENCE = {**drive.EVIDENCE, **dict.fromkeys(FINISH, SIGNED)}
# The obligation armed: the one open in `preparing` (version 2: the call-off agreement).
_ARMED = next(rule for rule in PROCESS.obligations if Stage.PREPARING in rule.stages)
ARMED_OBLIGATION = _ARMED.id.value
# Where it is open (and not paused): a held lane waits in one of them.
OPEN_STAGES = tuple(_ARMED.stages)
# The roles escalation-1 addresses (the default ladder's first rung).
ESCALATION_1_ROLES = ("municipality_contact", "program_coordinator")
PROGRAM_COORDINATOR = {
    "role": "program_coordinator",
    "name": "Kari Koordinator",
    "email": "kari.koordinator@endurance.example.no",
}


def check_plan() -> None:
    """The process takes the road, the loop and the finish, each ending where the next begins."""
    up_http.check_plan()

    def walk(stage: Stage, triggers: tuple[Trigger, ...]) -> Stage:
        context = ProcessContext(definition=PROCESS, stage=stage)
        for trigger in triggers:
            to = decide(context, trigger)
            paused_from = context.stage if to is Stage.PAUSED else None
            context = ProcessContext(definition=PROCESS, stage=to, paused_from=paused_from)
        return context.stage

    if up_http.stage_after(len(ROAD)) is not Stage.PREPARING:
        raise RuntimeError("the load's road does not end in preparing")
    walk(Stage.PREPARING, FINISH)


def region_policy(start: datetime) -> dict[str, Any]:
    """Calendar every_day; a send time two hours before the start, so nothing sends on its own.

    A deadline set today would escalate at a time of day already past (passed
    over), so only the armed send times fall within the run.
    """
    send = (start.astimezone(OSLO) - timedelta(hours=2)).time().replace(microsecond=0)
    return {"calendar": "every_day", "send_time": send.isoformat()}


def whole_second_ahead(lead: float) -> datetime | None:
    """The whole second `lead` seconds ahead, unless Oslo's clock names it twice (DST ends)."""
    instant = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    local = instant.astimezone(OSLO)
    named = datetime.combine(local.date(), local.time().replace(fold=0), tzinfo=OSLO)
    return instant if named.timestamp() == instant.timestamp() else None


@dataclass
class Wave:
    """A production wave of a few lanes, due at `at` (monotonic seconds)."""

    id: str
    at: float
    lanes: list["Lane"] = field(default_factory=list)
    live: list[str] = field(default_factory=list)


@dataclass
class Lane:
    """One municipality: where its plan is, what was acknowledged, and whether it is held."""

    number: str
    wave: Wave
    steps: int = 0
    stage: Stage = Stage.PROSPECTIVE
    accepted: list[str] = field(default_factory=list)  # triggers acknowledged, in order
    keys: list[str] = field(default_factory=list)  # their idempotency keys (None: the wave's)
    hold: bool = False
    parked: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    armed: bool = False
    finishing: bool = False
    finished: bool = False  # the service agreement signed: ready for its wave
    done: bool = False  # the lane's task has ended


@dataclass
class Armed:
    """One round of reminders: the instant, the deadline, and what was due."""

    round: int
    instant: datetime
    deadline: date
    due: list[str] = field(default_factory=list)  # escalation-1 pending at the instant
    late: list[str] = field(default_factory=list)  # armed too late: passed over, not due
    seconds_to_sent: float | None = None


@dataclass
class Load:
    """The lanes, the waves and the reminder rounds of one run."""

    api: Api
    engine: Engine  # the read model, for the outbox only (reminders sent yet?)
    numbers: list[str]
    minutes: float
    rng: random.Random
    wave_size: int = 5
    arm_every: float = 120.0
    arm_lead: float = 60.0
    concurrency: int = 8
    per_round: int = 3
    log: Callable[[str], None] = print
    lanes: dict[str, Lane] = field(default_factory=dict)
    waves: list[Wave] = field(default_factory=list)
    rounds: list[Armed] = field(default_factory=list)
    deadlines_set: list[tuple[str, date]] = field(default_factory=list)
    started: float = 0.0
    stop_at: float = 0.0
    stopping: bool = False
    transitions: int = 0
    _turns: asyncio.Semaphore = field(init=False, repr=False)

    async def run(self) -> None:
        """Drive until the minutes are up; then let every lane, wave and round end."""
        self._turns = asyncio.Semaphore(self.concurrency)
        self.started = time.monotonic()
        self.stop_at = self.started + self.minutes * 60
        self._plan_waves()
        lanes = [asyncio.create_task(self._lane(lane)) for lane in self.lanes.values()]
        waves = [asyncio.create_task(self._wave(wave)) for wave in self.waves]
        arming = asyncio.create_task(self._arming())
        try:
            await asyncio.sleep(max(0.0, self.stop_at - time.monotonic()))
            self.stopping = True
            self.log("load: the minutes are up; letting lanes, waves and reminders end")
            await asyncio.gather(*lanes, *waves, arming)
        finally:
            for task in [*lanes, *waves, arming]:
                task.cancel()

    def _plan_waves(self) -> None:
        """Waves of `wave_size`, due evenly from 60% to 95% of the run.

        Until a lane's wave it loops: the whole region is under load for most of
        the run, and goes live, wave after wave, in its last part.
        """
        numbers = list(self.numbers)
        self.rng.shuffle(numbers)
        groups = [numbers[i : i + self.wave_size] for i in range(0, len(numbers), self.wave_size)]
        span = self.stop_at - self.started
        for k, group in enumerate(groups):
            share = 0.6 + 0.35 * (k / max(1, len(groups) - 1))
            wave = Wave(f"endurance-{k:03d}", self.started + share * span)
            self.waves.append(wave)
            for number in group:
                lane = Lane(number, wave)
                wave.lanes.append(lane)
                self.lanes[number] = lane

    # -- lanes ----------------------------------------------------------------------

    async def move(self, lane: Lane, trigger: Trigger) -> None:
        """One transition, with a key of its own, until acknowledged."""
        key = f"endurance-{lane.number}-{lane.steps}"
        body = {"trigger": trigger.value, "evidence": EVIDENCE[trigger], "idempotency_key": key}
        path = f"/api/municipalities/{lane.number}/transitions"
        view = await self.api.send("POST", path, body)
        if view["last_transition"]["trigger"] != trigger.value:
            raise LoadRefused(f"{lane.number} {trigger.value} answered {view['last_transition']}")
        lane.accepted.append(trigger.value)
        lane.keys.append(key)
        lane.steps += 1
        lane.stage = Stage(view["stage"])
        self.transitions += 1

    async def _lane(self, lane: Lane) -> None:
        """Step after step, each in a turn of `concurrency`; held, it waits outside its turn.

        A lane decides its next step only once its turn has come, so one asked
        to hold at `preparing` parks at its next turn there rather than after a
        step it had already queued. When the minutes are up, a lane stops
        unless its wave is due (all are by then): so every municipality ends live.
        """
        try:
            # At the end of the run a lane whose wave is due walks on until it is live.
            while not self.stopping or time.monotonic() >= lane.wave.at:
                async with self._turns:
                    if lane.hold and lane.stage in OPEN_STAGES:
                        steps: tuple[Trigger, ...] = ()
                    elif lane.stage is Stage.PREPARING and time.monotonic() >= lane.wave.at:
                        lane.finishing = True
                        steps = FINISH
                    else:
                        steps = (planned(lane.steps),)
                    for trigger in steps:
                        await self.move(lane, trigger)
                if lane.finishing:
                    lane.finished = True
                    return
                if not steps:
                    lane.parked.set()
                    await lane.release.wait()
                    lane.hold = False
                    lane.parked.clear()
                    lane.release.clear()
        finally:
            lane.done = True

    async def _wave(self, wave: Wave) -> None:
        """At its hour, once its lanes are ready (or have stopped), take the ready ones live."""
        await asyncio.sleep(max(0.0, wave.at - time.monotonic()))
        while not all(lane.finished or lane.done for lane in wave.lanes):
            await asyncio.sleep(0.5)
        members = [lane for lane in wave.lanes if lane.finished]
        if not members:
            return
        today = today_in_oslo()
        past = wave_of_the_day(wave.id, today, evidence={"source": "endurance run"})
        numbers = [lane.number for lane in members]
        view = await go_live_in_past_wave(self.api.wave_send, past, numbers, all_on(today))
        if view["status"] != "live":
            raise LoadRefused(f"wave {wave.id} did not go live: {view}")
        for lane in members:
            lane.accepted += [Trigger.APPROVE_GO_LIVE.value, Trigger.GO_LIVE.value]
            lane.keys += [f"{wave.id}:{lane.number}:approve", ""]
            self.transitions += 2
        wave.live = numbers
        self.log(f"load: wave {wave.id} live with {len(numbers)}")

    # -- reminders ------------------------------------------------------------------

    async def _arming(self) -> None:
        """A round every `arm_every` seconds while one still fits in the run; then wait for all."""
        rounds: list[asyncio.Task[None]] = []
        number = 0
        while True:
            at = self.started + min(30.0, self.arm_every / 2) + number * self.arm_every
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            if self.stopping or time.monotonic() + self.arm_lead + 15 > self.stop_at:
                break
            rounds.append(asyncio.create_task(self._arm(number)))
            number += 1
        await asyncio.gather(*rounds)

    async def _arm(self, number: int) -> None:
        # Lanes where the obligation is open first, then those nearest to it; each once.
        candidates = [
            lane
            for lane in self.lanes.values()
            if not (lane.armed or lane.finishing or lane.done or lane.hold)
        ]
        self.rng.shuffle(candidates)
        candidates.sort(key=lambda lane: (lane.stage not in OPEN_STAGES, -lane.steps))
        chosen = candidates[: self.per_round]
        instant = whole_second_ahead(self.arm_lead)
        if not chosen or instant is None:
            return
        local = instant.astimezone(OSLO)
        armed = Armed(number, instant, local.date())
        self.rounds.append(armed)
        for lane in chosen:
            lane.armed = lane.hold = True
        try:
            await self._arm_held(armed, chosen)
        finally:
            for lane in chosen:
                lane.hold = False
                lane.release.set()

    async def _arm_held(self, armed: Armed, chosen: list[Lane]) -> None:
        # Held where the obligation is open, from the next time the lane is there.
        parked_by = time.monotonic() + self.arm_lead / 2
        while time.monotonic() < parked_by and not all(lane.parked.is_set() for lane in chosen):
            await asyncio.sleep(0.2)
        held = [lane for lane in chosen if lane.parked.is_set()]
        for lane in chosen:
            if lane not in held:
                lane.hold = False
        if not held:
            return
        numbers = [lane.number for lane in held]
        plan = {
            "id": f"endurance-send-{armed.round}",
            "to_version": PROCESS.version,
            "policy": {"send_time": armed.instant.astimezone(OSLO).time().isoformat()},
            "reason": "endurance run: a send time within the run",
        }
        body = {"plan": plan, "selection": {"numbers": numbers}}
        await self.api.send("POST", "/api/migrations", body, role="admin")
        # Until it has migrated them, or the instant is near: a deadline set on the old
        # send time escalates at a time of day long past and is counted armed too late.
        progress = f"/api/migrations/{plan['id']}/progress"
        while not (await self.api.send("GET", progress, role="admin"))["finished"]:
            if datetime.now(UTC) > armed.instant - timedelta(seconds=5):
                break
            await asyncio.sleep(0.5)

        async def deadline(number: str) -> None:
            body = {
                "deadline": armed.deadline.isoformat(),
                "reason": "endurance run",
                "idempotency_key": f"endurance-deadline-{armed.round}-{number}",
            }
            path = f"/api/municipalities/{number}/obligations/{ARMED_OBLIGATION}"
            view = await self.api.send("PUT", path, body)
            self.deadlines_set.append((number, armed.deadline))
            pending = [p for p in view["pending"] if p["message_key"] == "escalation-1"]
            at = datetime.fromisoformat(pending[0]["at"]) if pending else None
            (armed.due if at == armed.instant else armed.late).append(number)

        await asyncio.gather(*(deadline(n) for n in numbers))
        self.log(
            f"reminders: round {armed.round} due at {armed.instant:%H:%M:%S} UTC for "
            f"{len(armed.due)} ({len(armed.late)} armed too late)"
        )
        await asyncio.sleep(max(0.0, (armed.instant - datetime.now(UTC)).total_seconds()))
        # Held until their rows are sent, or long enough to count them lost.
        began = time.monotonic()
        wanted = len(armed.due) * len(ESCALATION_1_ROLES)
        while time.monotonic() - began < 240:
            if await asyncio.to_thread(self._sent, armed) >= wanted:
                armed.seconds_to_sent = (datetime.now(UTC) - armed.instant).total_seconds()
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # time for a second copy to show, if one were coming

    def _sent(self, armed: Armed) -> int:
        """Escalation rows of the round sent so far (-1 while the database is away)."""
        try:
            with Session(self.engine) as session:
                query = (
                    select(func.count())
                    .select_from(NotificationRow)
                    .where(
                        col(NotificationRow.municipality_number).in_(armed.due),
                        NotificationRow.deadline == armed.deadline,
                        NotificationRow.message_key == "escalation-1",
                        NotificationRow.status == "sent",
                    )
                )
                return int(session.exec(query).one())
        except Exception:  # PostgreSQL restarting under us: ask again
            return -1


async def set_contacts(api: Api, numbers: list[str]) -> None:
    """The program's coordinator and each municipality's contact: real addresses at the relay."""
    await api.send("PUT", "/api/program/contacts", [PROGRAM_COORDINATOR])

    async def one(number: str) -> None:
        contact = {
            "role": "municipality_contact",
            "name": f"Kontakt {number}",
            "email": f"kontakt-{number}@endurance.example.no",
        }
        await api.send("PUT", f"/api/municipalities/{number}/contacts", [contact])

    await asyncio.gather(*(one(n) for n in numbers))
