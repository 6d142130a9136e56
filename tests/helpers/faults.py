"""Drive a region through the public API while something breaks, then count what is recorded.

The driver talks to the REST API only (in-process over ASGI, with the dev
server's client), so it keeps working whatever the engine's internals become.
Every transition carries an idempotency key and is repeated with that key
until the API accepts it: a request lost with a dying process is either
recorded once or not at all, and the repeat settles which. The checks then
demand that every accepted transition is in the audit log exactly once, in
order, and the current-state row agrees.

Go-live is `go_live()`, one function: each municipality goes live in a wave
of its own, recorded after the fact with today's date (onboarding.demo.wave_driver),
so nothing waits for a go-live timer.
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from onboarding.demo.wave_driver import all_on, go_live_in_past_wave, wave_of_the_day
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.embedded.app import create_app
from onboarding.gateway.reconcile import ReconcileOptions, ReconcileReport, reconcile
from onboarding.settings import Settings
from onboarding.store import drift, queries
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tokens import Role
from tests.helpers import EVIDENCE
from tests.helpers.notifications import role_tokens

# One request may wait for a worker that was killed: its workflow task goes back
# to the normal queue after the sticky schedule-to-start timeout (10 s).
REQUEST_TIMEOUT = 45.0
RETRY_PAUSE = 0.5

# prospective -> service_agreement_signed on the newest process (version 2: the
# region is loaded through the API, as a new deployment loads it); go_live() does
# the rest.
BEFORE_GO_LIVE = (
    Trigger.SIGN_COLLABORATION,
    Trigger.EXERCISE_OPTION,
    Trigger.START_PREPARATION,
    Trigger.SIGN_CALL_OFF_AGREEMENT,
    Trigger.SIGN_SERVICE_AGREEMENT,
)


@dataclass
class Attempt:
    """What one request got: a status (or the exception's name) and how long it took."""

    status: int | str
    seconds: float
    body: Any = None


@dataclass
class Driver:
    """The API under test, a token per role, and what it accepted."""

    http: httpx.AsyncClient
    secrets: dict[Role, str]
    accepted: dict[str, list[str]] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[role]}"}

    async def request(
        self, method: str, path: str, *, role: Role = Role.COORDINATOR, body: Any = None
    ) -> Attempt:
        """One request, bounded in time; a hang or a transport error is an Attempt too."""
        began = time.monotonic()
        try:
            response = await asyncio.wait_for(
                self.http.request(method, path, json=body, headers=self.auth(role)),
                REQUEST_TIMEOUT,
            )
        except TimeoutError:
            attempt = Attempt("timeout", time.monotonic() - began)
        else:
            try:
                payload = response.json()
            except ValueError:
                payload = response.text
            attempt = Attempt(response.status_code, time.monotonic() - began, payload)
        self.attempts.append(attempt)
        return attempt

    async def until_accepted(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        role: Role = Role.COORDINATOR,
        settled_by_conflict: bool = False,
    ) -> Any:
        """Repeat the request (same body, same idempotency key) until it answers 200 (201).

        With `settled_by_conflict`, a 409 after a lost attempt means the lost
        one went through (a wave created, a decision recorded): None is returned.
        """
        deadline = time.monotonic() + 4 * REQUEST_TIMEOUT
        repeated = False
        while True:
            attempt = await self.request(method, path, role=role, body=body)
            if attempt.status in (200, 201):
                return attempt.body
            if attempt.status == 409 and settled_by_conflict and repeated:
                return None
            repeated = True
            # 503 (engine or database down) and timeouts are worth repeating; a
            # 4xx means the request itself is wrong, and 500 is a bug either way.
            assert attempt.status == 503 or attempt.status == "timeout", (
                f"{method} {path}: {attempt.status} {attempt.body}"
            )
            assert time.monotonic() < deadline, f"{method} {path} never went through"
            await asyncio.sleep(RETRY_PAUSE)

    async def load_region(self) -> int:
        body = await self.until_accepted("POST", "/api/region/load", None, role=Role.ADMIN)
        loaded: int = body["loaded"]
        return loaded

    async def move(self, number: str, trigger: Trigger) -> dict[str, Any]:
        """Record `trigger` for `number`, once, whatever it takes."""
        body = {
            "trigger": trigger.value,
            "evidence": EVIDENCE[trigger],
            "idempotency_key": f"fault-{number}-{trigger.value}",
        }
        view: dict[str, Any] = await self.until_accepted(
            "POST", f"/api/municipalities/{number}/transitions", body
        )
        assert view["last_transition"]["trigger"] == trigger.value, view
        self.accepted.setdefault(number, []).append(trigger.value)
        return view

    async def set_deadline(self, number: str, obligation: Trigger, deadline: date) -> None:
        body = {
            "deadline": deadline.isoformat(),
            "reason": "fault test",
            "idempotency_key": f"fault-{number}-deadline",
        }
        await self.until_accepted(
            "PUT", f"/api/municipalities/{number}/obligations/{obligation.value}", body
        )

    async def send(self, method: str, path: str, body: Any) -> Any:
        """A wave driver's request, repeated like a transition until it goes through."""
        settled = method == "POST" and path.startswith("/api/waves")
        return await self.until_accepted(method, path, body, settled_by_conflict=settled)

    async def go_live(self, number: str) -> None:
        """From service_agreement_signed to live: the one place the road's end is walked.

        Through a wave of its own (`fault-<number>`), recorded after the fact
        with today's date: approve_go_live, then go_live recorded by the wave.
        """
        today = today_in_oslo()
        wave = wave_of_the_day(f"fault-{number}", today, evidence={"source": "fault test"})
        await go_live_in_past_wave(self.send, wave, [number], all_on(today))
        view = await self.until_accepted("GET", f"/api/waves/{wave.id}", None)
        assert view["status"] == "live", view
        self.accepted.setdefault(number, []).extend(
            [Trigger.APPROVE_GO_LIVE.value, Trigger.GO_LIVE.value]
        )

    async def drive_to_live(self, number: str, *, pause: float = 0.0) -> None:
        """The whole main road, with `pause` between steps so a fault lands mid-stream."""
        for trigger in BEFORE_GO_LIVE:
            await self.move(number, trigger)
            await asyncio.sleep(pause)
        await self.go_live(number)


@asynccontextmanager
async def driver(
    client: Client,
    engine: Engine,
    home: Path,
    *,
    task_queue: str,
    policy: ReminderPolicy | None = None,
) -> AsyncIterator[Driver]:
    """The API on `engine` and `client` (its own settings under `home`), ready to drive."""
    policy_file = None
    home.mkdir(parents=True, exist_ok=True)
    if policy is not None:
        policy_file = home / "policy.json"
        policy_file.write_text(json.dumps(policy.model_dump(mode="json")))
    settings = Settings(home=home, task_queue=task_queue, policy_file=policy_file)
    app = create_app(settings, client=client, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as http:
        yield Driver(http, role_tokens(engine, "fault"))


async def rows_appear(engine: Engine, count: int, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(drift.rows(engine)) < count:
        assert time.monotonic() < deadline, f"only {len(drift.rows(engine))} of {count} rows"
        await asyncio.sleep(0.2)


def region_numbers(engine: Engine) -> list[str]:
    return sorted(drift.rows(engine))


def assert_recorded_exactly_once(engine: Engine, accepted: dict[str, list[str]]) -> None:
    """Every accepted transition in the audit log once, in order; the row agrees."""
    audit = drift.audit_seqs(engine)
    rows = drift.rows(engine)
    for number, triggers in accepted.items():
        history = queries.history(engine, number=number)
        assert [r.trigger.value for r in history] == triggers, (number, history)
        assert audit[number] == list(range(1, len(triggers) + 1)), (number, audit[number])
        row = rows[number]
        assert row.last_seq == len(triggers), (number, row)
        assert row.stage == history[-1].to_stage.value, (number, row)


def outbox(engine: Engine, numbers: Sequence[str]) -> list[NotificationRow]:
    with Session(engine) as session:
        query = (
            select(NotificationRow)
            .where(col(NotificationRow.municipality_number).in_(list(numbers)))
            .order_by(col(NotificationRow.id))
        )
        return list(session.exec(query).all())


async def reminders_out_once(
    engine: Engine,
    numbers: Sequence[str],
    expected: set[tuple[str, str]],
    *,
    timeout: float = 60.0,
    settle: float = 3.0,
) -> None:
    """Wait until each of `numbers` has its `expected` (message, role) rows; then exactly once."""
    deadline = time.monotonic() + timeout
    while len(outbox(engine, numbers)) < len(numbers) * len(expected):
        assert time.monotonic() < deadline, (
            f"reminders lost: {len(outbox(engine, numbers))} of "
            f"{len(numbers) * len(expected)} outbox rows after {timeout} s"
        )
        await asyncio.sleep(0.2)
    await asyncio.sleep(settle)  # time for a duplicate to show up, if one were coming
    counted = Counter(
        (r.municipality_number, r.message_key, r.recipient_role) for r in outbox(engine, numbers)
    )
    wanted = {(n, message, role) for n in numbers for message, role in expected}
    assert set(counted) == wanted, set(counted) ^ wanted
    assert set(counted.values()) == {1}, {k: v for k, v in counted.items() if v != 1}


async def no_drift(client: Client, engine: Engine, task_queue: str) -> ReconcileReport:
    """Reconcile (dry run) must find nothing; returns the report."""
    report = await reconcile(client, engine, ReconcileOptions(task_queue=task_queue, dry_run=True))
    assert report.clean, report.findings
    return report


def live(engine: Engine, numbers: Sequence[str]) -> bool:
    rows = drift.rows(engine)
    return all(rows[n].stage == Stage.LIVE.value for n in numbers)


# -- a reminder due at an instant a few seconds ahead (test_reminders_durable, test_faults)

OSLO = ZoneInfo("Europe/Oslo")
# escalation-1 of the default ladder, one no_recipient row per role (no contacts).
EXPECTED = {("escalation-1", "municipality_contact"), ("escalation-1", "program_coordinator")}


def whole_second_ahead(lead: timedelta, *, now: datetime | None = None) -> datetime | None:
    """The first whole second at least `lead` after `now` (UTC), if a send_time can name it.

    Worked out here from the wall clock, not by the schedule under test: the
    rows' due_at must come back as this very instant. None in the hour that
    repeats when summer time ends, where a local time of day names two instants.
    """
    now = now or datetime.now(UTC)
    instant = (now + lead).replace(microsecond=0) + timedelta(seconds=1)
    local = instant.astimezone(OSLO)
    # A send_time crosses the wire as HH:MM:SS, without `fold`: the first of two.
    named = datetime.combine(local.date(), local.time().replace(fold=0), tzinfo=OSLO)
    return instant if named.timestamp() == instant.timestamp() else None


def policy_and_deadline(instant: datetime) -> tuple[ReminderPolicy, date]:
    """A policy sending at `instant`'s Oslo time of day, and a deadline that escalates then.

    The deadline is the instant's Oslo date, not today's: right across midnight too.
    """
    local = instant.astimezone(OSLO)
    return ReminderPolicy(calendar="every_day", send_time=local.time()), local.date()


class TooClose(Exception):
    """The machine was too slow for this lead: the attempt proves nothing either way."""


def ensure_time_left(instant: datetime, what: str, margin: timedelta) -> None:
    """Raise TooClose unless `what` happened at least `margin` before `instant`."""
    left = instant - datetime.now(UTC)
    if left < margin:
        raise TooClose(f"{what} only {left.total_seconds():.1f} s before the instant")
    print(f"{what} {left.total_seconds():.1f} s before the instant")
