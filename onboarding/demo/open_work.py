"""Open work on the day the demo is loaded: planned waves, checklists, deadlines, messages.

The rollout's facts (loader.py) stop years before any day the demo runs, so
on their own they leave a coordinator nothing to do. This module adds what a
coordinator finds on the morning the demo is loaded, dated from that day (the
dev server runs on the real clock), recorded that day through the REST API
like any coordinator's request, nothing backdated:

- the program's contact list (a coordinator, a director and the director's
  deputy; nobody holds the council role, as in a program that has not named
  one yet). The addresses are made up (`.example`): a real relay refuses
  them, so with one configured these messages fail as they would;
- the planned waves of docs/demo-region.md, dated from the load day: Sunnmøre
  five weeks ahead (its early checklist items already overdue, some done
  today), Helse Nord-Trøndelag's Namdalen wave about eighteen weeks ahead (its
  first items due within two weeks) and Innherred and Stjørdal half a year
  ahead; each takes those of its municipalities that stand where a wave may
  take them, so the rollout's facts decide who is in;
- a GP office's postponed decision given a date ten days ahead;
- a wave of GP offices planned for the next Saturday and, once its ready
  office is prepared, brought forward to go live a few seconds later, on its
  own timer (the move and its reason are in the wave's dates): the office
  that is ready goes live, the one that is not misses the go-live, and the
  top of the escalation ladder is told, through the outbox and the configured
  mail relay (without one the message is held; the council role nobody holds
  shows as a message that reached nobody).

Every step looks before it writes (a wave already there, a member already in,
an item already done, an obligation not open or already set), so a rerun after
an interruption repeats nothing. A party the facts left elsewhere, or that a
rollout does not have, is passed over. docs/demo-region.md says what this adds and why.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel

from onboarding.demo.loader import DemoLoadFailed
from onboarding.demo.wave_driver import Send, mark_done, party_path
from onboarding.domain.calendar import OSLO
from onboarding.domain.vocabulary import Stage

SOURCE = "Demo region (docs/demo-region.md): open work on the day the demo was loaded"
EVIDENCE = {"source": SOURCE}
# Stages from which a party is taken into a planned wave: signed, not paused, not live.
JOINABLE = frozenset(
    {
        Stage.OPTION_EXERCISED,
        Stage.PREPARING,
        Stage.CALL_OFF_SIGNED,
        Stage.SERVICE_AGREEMENT_SIGNED,
        Stage.AGREEMENT_SIGNED,
    }
)
# The wave of GP offices is planned for the next Saturday, then, its offices
# prepared, brought forward to go live this long after that (on its own timer).
# The instant must still be ahead when the wave's workflow checks it: on a machine
# so busy that a second is not enough, the next lead is tried.
GP_WAVE_LEADS = (timedelta(seconds=1), timedelta(seconds=3), timedelta(seconds=10))
GP_WAVE_MOVED = (
    "Demo (docs/demo-region.md): brought forward to the moment the demo is loaded, "
    "so that its go-live, and the office that missed it, are there to see"
)
# How long to wait for it to go live and tell the program.
GP_WAVE_WAIT = timedelta(seconds=90)


@dataclass(frozen=True)
class PlannedWave:
    """A wave to come: its members' numbers and how far ahead of the load day it goes live.

    `done` items of each member's checklist (its earliest-due first) are marked
    done today, member by member, in order; the rest stay open.
    """

    slug: str
    name: str
    health_trust: str | None
    days_ahead: int
    candidates: tuple[str, ...]
    done: tuple[int, ...] = ()


PLANNED_WAVES: tuple[PlannedWave, ...] = (
    PlannedWave(
        slug="sunnmore",
        name="Sunnmøre",
        health_trust="Helse Møre og Romsdal HF",
        days_ahead=35,
        # Ørsta, Volda, Hareid, Ulstein, Herøy, Sande, Giske, Sykkylven, Stranda
        candidates=("1520", "1577", "1517", "1516", "1515", "1514", "1532", "1528", "1525"),
        done=(4, 4, 3, 3, 2, 1, 1),
    ),
    PlannedWave(
        slug="namdalen",
        name="Helse Nord-Trøndelag: Namdalen",
        health_trust="Helse Nord-Trøndelag HF",
        days_ahead=126,
        # Namsos, Overhalla, Grong, Høylandet, Namsskogan, Røyrvik, Lierne, Osen,
        # Flatanger, Nærøysund, Leka, Bindal
        candidates=(
            "5007",
            "5047",
            "5045",
            "5046",
            "5044",
            "5043",
            "5042",
            "5020",
            "5049",
            "5060",
            "5052",
            "1811",
        ),
    ),
    PlannedWave(
        slug="innherred-stjordal",
        name="Innherred and Stjørdal",
        health_trust="Helse Nord-Trøndelag HF",
        days_ahead=182,
        # Steinkjer, Inderøy, Snåsa, Meråker, Frosta, Malvik, Orkland (Stjørdal is paused)
        candidates=("5006", "5053", "5041", "5034", "5036", "5031", "5059"),
    ),
)


@dataclass(frozen=True)
class NewDeadline:
    """A deadline a coordinator sets on an open obligation, days ahead of the load day."""

    party: str
    obligation: str
    days_ahead: int
    reason: str


DEADLINES: tuple[NewDeadline, ...] = (
    NewDeadline(
        party="gp-914532418",  # Brosundet legesenter, decision postponed
        obligation="reconsider",
        days_ahead=10,
        reason="The office asked to be asked again after its partners' meeting",
    ),
)


@dataclass(frozen=True)
class GpWave:
    """GP offices that go live together: `ready` is made ready today, `not_ready` is not."""

    slug: str = "gp-offices"
    name: str = "GP offices, on the day the demo was loaded"
    # Innlandet legekontor (Kristiansund): its agreement signed, it starts preparing today.
    ready: tuple[str, ...] = ("gp-914532507",)
    not_ready: tuple[str, ...] = ("gp-914532604",)  # Levanger sentrum legesenter


PROGRAM_CONTACTS: tuple[dict[str, str], ...] = (
    {
        "role": "program_coordinator",
        "name": "Kari Koordinator",
        "email": "kari.koordinator@helseplattformen.example",
    },
    {
        "role": "program_director",
        "name": "Per Programdirektør",
        "email": "per.programdirektor@helseplattformen.example",
    },
    {
        "role": "program_director",
        "name": "Ingrid Stedfortreder",
        "email": "ingrid.stedfortreder@hnt.example",
    },
)


class OpenWork(BaseModel):
    """What was added."""

    waves: list[str]
    members: int
    items_done: int
    deadlines: int
    gp_wave: str | None
    notifications: int


def saturday_morning(today: date, days_ahead: int) -> datetime:
    """06:00 Europe/Oslo on the first Saturday at least `days_ahead` days after `today`."""
    day = today + timedelta(days=days_ahead)
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime.combine(day, time(6), tzinfo=OSLO)


def wave_id(slug: str, go_live_at: datetime) -> str:
    """`YYYY-MM-slug`, as the rollout's waves are named."""
    return f"{go_live_at:%Y-%m}-{slug}"


async def _joinable(send: Send, numbers: Sequence[str], wave: str) -> list[str]:
    """Those of `numbers` that may join `wave` now: registered, in JOINABLE, in no other wave."""
    listed = await send("GET", "/api/parties", None)
    # The candidates are numbers of today; a municipality renumbered since it
    # was registered (on the region's history) has another id (Overhalla: 1744).
    party_of = {row.get("current_number") or row["number"]: row for row in listed}
    candidates = [
        party_of[n]["number"] for n in numbers if n in party_of and party_of[n]["stage"] in JOINABLE
    ]
    views = await asyncio.gather(*(send("GET", party_path(n), None) for n in candidates))
    return [
        number
        for number, view in zip(candidates, views, strict=True)
        if view.get("wave_id") in (None, wave)
    ]


async def _wave(send: Send, wave: str, name: str, trust: str | None, at: datetime) -> bool:
    """Create the wave unless it exists; whether it is still planned."""
    listed = await send("GET", "/api/waves", None)
    found = next((row for row in listed if row["id"] == wave), None)
    if found is None:
        body = {"id": wave, "name": name, "go_live_at": at.isoformat(), "health_trust": trust}
        await send("POST", "/api/waves", body)
        return True
    return bool(found["status"] == "planned")


async def _members(send: Send, wave: str, numbers: Sequence[str]) -> None:
    view = await send("GET", f"/api/waves/{wave}", None)
    already = {m["number"] for m in view["members"]}
    for number in numbers:
        if number not in already:
            await send("POST", f"/api/waves/{wave}/members", {"number": number})


async def _done_today(send: Send, number: str, count: int | None, today: date) -> int:
    """Mark the first `count` open items (earliest due first; None: all) done today."""
    checklist = await send("GET", f"{party_path(number)}/checklist", None)
    items = sorted(checklist["items"], key=lambda item: item["deadline"] or "")
    chosen = items if count is None else items[:count]
    todo = [item for item in chosen if item["done"] is None]
    done = {"done_on": today.isoformat(), "evidence": EVIDENCE}
    await mark_done(send, number, [{"item": item["id"], **done} for item in todo])
    return len(todo)


async def planned_wave(send: Send, wave: PlannedWave, *, today: date) -> tuple[str, int, int]:
    """One planned wave with its members and their items done today; (id, members, items)."""
    at = saturday_morning(today, wave.days_ahead)
    identifier = wave_id(wave.slug, at)
    members = await _joinable(send, wave.candidates, identifier)
    if not members or not await _wave(send, identifier, wave.name, wave.health_trust, at):
        return identifier, 0, 0
    await _members(send, identifier, members)
    counts = await asyncio.gather(
        *(
            _done_today(send, number, count, today)
            for number, count in zip(members, wave.done, strict=False)
        )
    )
    return identifier, len(members), sum(counts)


async def new_deadline(send: Send, deadline: NewDeadline, *, today: date) -> int:
    """Set the deadline if the obligation is open and has none that late already; 1 if set."""
    listed = await send("GET", "/api/parties", None)
    if deadline.party not in {row["number"] for row in listed}:
        return 0  # a rollout without it
    obligations = await send("GET", f"{party_path(deadline.party)}/obligations", None)
    due = today + timedelta(days=deadline.days_ahead)
    open_ = next(
        (o for o in obligations if o["id"] == deadline.obligation and o["status"] == "open"),
        None,
    )
    if open_ is None or open_["deadline"] == due.isoformat():
        return 0
    body = {"deadline": due.isoformat(), "reason": deadline.reason}
    await send("PUT", f"{party_path(deadline.party)}/obligations/{deadline.obligation}", body)
    return 1


async def gp_wave(send: Send, wave: GpWave, *, today: date) -> str | None:
    """The GP offices' wave: planned, its `ready` offices made ready, then brought forward.

    Returns its id, or None when no office stands where the wave needs it.
    """
    identifier = f"{today:%Y-%m-%d}-{wave.slug}"
    ready = await _joinable(send, wave.ready, identifier)
    late = await _joinable(send, wave.not_ready, identifier)
    if not ready and not late:
        return None
    if not await _wave(send, identifier, wave.name, None, saturday_morning(today, 1)):
        return identifier
    for number in ready:
        view = await send("GET", party_path(number), None)
        if view["stage"] == Stage.AGREEMENT_SIGNED.value:
            await _transition(send, number, "start_preparation", today)
    await _members(send, identifier, [*ready, *late])
    for number in ready:
        await _done_today(send, number, None, today)
        await _transition(send, number, "approve_go_live", today)
    await reschedule_soon(send, identifier, GP_WAVE_LEADS, reason=GP_WAVE_MOVED)
    return identifier


async def reschedule_soon(
    send: Send, identifier: str, leads: Sequence[timedelta], *, reason: str
) -> datetime:
    """Move the wave to go live the first of `leads` from now that is still ahead when its
    workflow checks it (a lead refused as past changed nothing); the instant it took."""
    for lead in leads:
        # Read the clock now: the steps before took their time.
        # Whole seconds, rounded up: the lead is never shorter than asked.
        at = (datetime.now(UTC) + lead + timedelta(seconds=1)).astimezone(OSLO)
        at = at.replace(microsecond=0)
        body = {"go_live_at": at.isoformat(), "reason": reason}
        try:
            await send("POST", f"/api/waves/{identifier}/reschedule", body)
            return at
        except DemoLoadFailed as refused:
            if '"field":"go_live_at"' not in str(refused) or lead == leads[-1]:
                raise
    raise ValueError("no lead to try")


async def _transition(send: Send, number: str, trigger: str, today: date) -> None:
    body = {
        "trigger": trigger,
        "effective_on": today.isoformat(),
        "comment": SOURCE,
        "idempotency_key": f"demo-open:{number}:{trigger}:{today.isoformat()}",
    }
    await send("POST", f"{party_path(number)}/transitions", body)


async def gone_live(send: Send, identifier: str, *, timeout: timedelta) -> int:
    """Wait until the wave has gone live and its escalations are written; how many rows."""
    deadline = asyncio.get_running_loop().time() + timeout.total_seconds()
    while True:
        view = await send("GET", f"/api/waves/{identifier}", None)
        missed = [m for m in view["members"] if m["status"] == "missed_go_live"]
        rows: list[dict[str, Any]] = []
        for member in missed:
            rows += await send(
                "GET", f"/api/notifications?municipality={member['number']}&limit=100", None
            )
        settled = all(row["status"] != "pending" for row in rows)
        if view["status"] == "live" and (not missed or (rows and settled)):
            return len(rows)
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"wave {identifier} did not go live and escalate in {timeout}")
        await asyncio.sleep(0.2)


async def record_open_work(send: Send, *, today: date) -> OpenWork:
    """Everything this module adds, for the load day `today` (Europe/Oslo)."""
    await send("PUT", "/api/program/contacts", list(PROGRAM_CONTACTS))
    gp, planned, deadlines = await asyncio.gather(
        gp_wave(send, GpWave(), today=today),
        asyncio.gather(*(planned_wave(send, w, today=today) for w in PLANNED_WAVES)),
        asyncio.gather(*(new_deadline(send, d, today=today) for d in DEADLINES)),
    )
    notifications = await gone_live(send, gp, timeout=GP_WAVE_WAIT) if gp else 0
    return OpenWork(
        waves=[identifier for identifier, members, _ in planned if members],
        members=sum(members for _, members, _ in planned),
        items_done=sum(items for _, _, items in planned),
        deadlines=sum(deadlines),
        gp_wave=gp,
        notifications=notifications,
    )
