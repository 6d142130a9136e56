"""A reminder by email through the real workflow, the outbox and the production delivery path.

Nothing here is a stand-in: the municipality workflow on its own time-skipping
test server (the tests skip weeks ahead, which must not move the clock under
other tests), the worker `onboarding worker` runs (`build_worker`, so the
workflow's `deliver_notifications` with `DELIVERY_RETRY`), SQLite, the API for
contacts, deadlines and the outbox listing, and an aiosmtpd relay on 127.0.0.1.

Each test sets a deadline on `exercise_option` with contacts in place and skips
to its first reminder (60 days before, on the business day on or before),
worked out here from `tests.helpers.dates`, never named by year.
"""

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from onboarding.domain.municipality import Municipality
from onboarding.domain.vocabulary import Trigger
from onboarding.embedded.worker import build_worker
from onboarding.store import outbox
from onboarding.store.tables.notifications import NotificationRow
from tests.helpers import Harness, eventually
from tests.helpers.dates import (
    at,
    business_day_on_or_before,
    friday_ahead,
    is_business_day,
    oslo_day,
)
from tests.helpers.notifications import Api, Sink, api_client, free_port, smtp_server, smtp_settings
from tests.helpers.servers import skip_to
from workflows.names import party_workflow_id

SENDER = "onboarding@helseplattformen.example"  # smtp_settings' sender
PUBLIC_URL = "https://onboarding.example.no"  # smtp_settings' public_url
OBLIGATION = "exercise_option"
LABEL = "Exercise the option (council decision)"
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
# Generous: a loaded machine may take a while to run a workflow task and two activities.
WAIT = 20.0

OLA = ("Ola Nordmann", "ola.nordmann@testby.kommune.example")
KARI = ("Kari Nordmann", "Kari.Nordmann@testby.kommune.example")
PER = ("Per Direktør", "per.direktor@testby.kommune.example")
KIM = ("Kim Koordinator", "kim@hnt.example")


@pytest.fixture
async def api(
    own_env: WorkflowEnvironment, sqlite_engine: Engine, tmp_path: Path
) -> AsyncIterator[Api]:
    async with api_client(own_env.client, sqlite_engine, tmp_path) as calls:
        yield calls


@dataclass
class Relay(Sink):
    """The test relay: keeps what it accepts, refuses chosen recipients with 550, counts both."""

    refused: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            self.refused.append(address)
        return await super().handle_RCPT(server, session, envelope, address, options)


def production_worker(harness: Harness, relay_port: int) -> Worker:
    """The worker production runs, sending through 127.0.0.1:`relay_port`."""
    return build_worker(
        harness.client,
        harness.engine,
        task_queue=harness.task_queue,
        settings=smtp_settings(relay_port),
    )


@dataclass
class Reminder:
    """The first reminder of a deadline set in a test: when, and to whom."""

    place: Municipality
    deadline: date
    at: datetime


async def reminder_with_contacts(
    env: WorkflowEnvironment, harness: Harness, api: Api, *municipality_contacts: tuple[str, str]
) -> Reminder:
    """A fresh municipality with contacts, its option deadline set through the API.

    Besides the municipality contacts (whom reminders address), the municipality
    has a director and the program a coordinator: neither may get a reminder.
    """
    place, _ = await harness.start()
    await harness.move(place.number, Trigger.SIGN_COLLABORATION)
    people = [
        {"role": "municipality_contact", "name": n, "email": e} for n, e in municipality_contacts
    ]
    people.append({"role": "municipal_director", "name": PER[0], "email": PER[1]})
    response = await api.put(f"/api/municipalities/{place.number}/contacts", people)
    assert response.status_code == 200, response.text
    coordinator = [{"role": "program_coordinator", "name": KIM[0], "email": KIM[1]}]
    response = await api.put("/api/program/contacts", coordinator)
    assert response.status_code == 200, response.text

    # A business-day deadline about 100 days ahead of the server's clock; the
    # 60-day reminder goes out on the business day on or before 60 days earlier.
    today = oslo_day(await env.get_current_time())
    deadline = friday_ahead(today, days=100, where=is_business_day)
    reminder_at = at(business_day_on_or_before(deadline - timedelta(days=60)), 8)
    response = await api.put(
        f"/api/municipalities/{place.number}/obligations/{OBLIGATION}",
        {"deadline": deadline.isoformat(), "reason": "the program's option deadline"},
    )
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["effective_deadline"] == deadline.isoformat()
    first = view["pending"][0]
    assert first["message_key"] == "reminder-60d"
    assert datetime.fromisoformat(first["at"]) == reminder_at
    return Reminder(place=place, deadline=deadline, at=reminder_at)


def rows(engine: Engine, number: str) -> list[NotificationRow]:
    return sorted(
        outbox.list_notifications(engine, municipality_number=number), key=lambda r: r.id or 0
    )


def all_rows(engine: Engine, number: str, holds: Callable[[NotificationRow], bool]) -> bool:
    found = rows(engine, number)
    return bool(found) and all(holds(r) for r in found)


async def listed(api: Api, number: str, **params: Any) -> list[dict[str, Any]]:
    """The outbox as GET /api/notifications shows it (what the admin reads)."""
    response = await api.get("/api/notifications", params={"municipality": number, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def pending_deliveries(client: Client, number: str) -> list[PendingActivityInfo]:
    described = await client.get_workflow_handle(party_workflow_id(number)).describe()
    return [
        a
        for a in described.raw_description.pending_activities
        if a.activity_type.name == "deliver_notifications"
    ]


async def retry_scheduled(client: Client, number: str) -> PendingActivityInfo:
    """The delivery once its first attempt failed and Temporal scheduled the next."""
    deadline = time.monotonic() + WAIT
    while True:
        found = await pending_deliveries(client, number)
        if len(found) == 1 and found[0].attempt >= 2:
            return found[0]
        assert time.monotonic() < deadline, f"no retry scheduled: {found}"
        await asyncio.sleep(0.05)


def expected_key(reminder: Reminder, email: str) -> str:
    """The outbox key as docs/deadlines.md documents it, for the municipality contact `email`."""
    return (
        f"{reminder.place.number}:{OBLIGATION}:{reminder.deadline.isoformat()}:"
        f"reminder-60d:municipality_contact:{email.lower()}"
    )


def expected_message_id(reminder: Reminder, email: str) -> str:
    digest = hashlib.sha256(expected_key(reminder, email).encode()).hexdigest()[:40]
    return f"<onboarding.{digest}@helseplattformen.example>"


def expected_subject(reminder: Reminder) -> str:
    place = reminder.place
    return (
        f"Påminnelse 60 dager før frist: {LABEL} – {place.name} ({place.number}), "
        f"frist {reminder.deadline:%d.%m.%Y}"
    )


def assert_delivered_once(relay: Relay, reminder: Reminder, *people: tuple[str, str]) -> None:
    """One envelope and one message per person, from the sender, with the reminder's headers."""
    assert sorted(r for e in relay.envelopes for r in e.rcpt_tos) == sorted(e for _, e in people)
    assert all(len(e.rcpt_tos) == 1 for e in relay.envelopes)
    assert {e.mail_from for e in relay.envelopes} == {SENDER}
    by_recipient = {str(m["To"]): m for m in relay.messages}
    assert len(by_recipient) == len(people)
    for name, email in people:
        message = by_recipient[f"{name} <{email}>"]
        assert str(message["From"]) == SENDER
        assert str(message["Subject"]) == expected_subject(reminder)
        assert str(message["Message-ID"]) == expected_message_id(reminder, email)
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Date"] is not None
        body = message.get_content()
        assert f"Hei {name}," in body
        assert f"{PUBLIC_URL}/municipalities/{reminder.place.number}" in body
        assert f"deadline {reminder.deadline.isoformat()}" in body


async def test_a_due_reminder_reaches_the_relay_once_through_the_workflow(
    own_env: WorkflowEnvironment, own_harness: Harness, api: Api
) -> None:
    with smtp_server(sink=Relay()) as relay:
        assert isinstance(relay, Relay)
        async with production_worker(own_harness, relay.port):
            reminder = await reminder_with_contacts(own_env, own_harness, api, OLA, KARI)
            number = reminder.place.number

            await skip_to(own_env, reminder.at - MINUTE)
            assert rows(own_harness.engine, number) == [] and relay.envelopes == []
            await own_env.sleep(2 * MINUTE)
            await eventually(
                lambda: all_rows(own_harness.engine, number, lambda r: r.status == "sent"),
                what="the reminder sent to both contacts",
                timeout=WAIT,
            )

            assert_delivered_once(relay, reminder, OLA, KARI)
            sent = rows(own_harness.engine, number)
            assert [(r.recipient_email, r.key) for r in sent] == [
                (email, expected_key(reminder, email)) for _, email in (OLA, KARI)
            ]
            assert {r.due_at for r in sent} == {reminder.at}
            assert [(r.attempts, r.last_error) for r in sent] == [(1, None), (1, None)]
            api_rows = await listed(api, number)
            assert {(n["recipient_email"], n["status"]) for n in api_rows} == {
                (OLA[1], "sent"),
                (KARI[1], "sent"),
            }

            # Well past every retry DELIVERY_RETRY could make (about four hours),
            # short of the 30-day reminder: still exactly one message each.
            await own_env.sleep(timedelta(days=20))
            assert await pending_deliveries(own_harness.client, number) == []
            assert len(relay.envelopes) == 2
            assert [r.attempts for r in rows(own_harness.engine, number)] == [1, 1]


async def test_a_relay_that_is_down_gets_the_reminder_once_it_is_back(
    own_env: WorkflowEnvironment, own_harness: Harness, api: Api
) -> None:
    port = free_port()  # nothing listens: connections are refused
    async with production_worker(own_harness, port):
        reminder = await reminder_with_contacts(own_env, own_harness, api, OLA, KARI)
        number = reminder.place.number

        await skip_to(own_env, reminder.at + timedelta(seconds=5))
        await eventually(
            lambda: all_rows(own_harness.engine, number, lambda r: r.attempts >= 1),
            what="a first delivery attempt on both rows",
            timeout=WAIT,
        )
        for row in rows(own_harness.engine, number):
            assert row.status == "failed" and row.sent_at is None
            assert row.last_error is not None
            assert f"127.0.0.1:{port}" in row.last_error
            assert "ConnectionRefusedError" in row.last_error
        assert {n["status"] for n in await listed(api, number)} == {"failed"}

        # DELIVERY_RETRY, not a default policy: ten attempts at most, and no retry
        # within half a minute of the failure (its first backoff is a minute; a
        # default policy's is a second, and would be on its fourth attempt).
        delivery = await retry_scheduled(own_harness.client, number)
        assert (delivery.attempt, delivery.maximum_attempts) == (2, 10)
        assert "ConnectionRefusedError" in delivery.last_failure.message
        await own_env.sleep(timedelta(seconds=30))
        [delivery] = await pending_deliveries(own_harness.client, number)
        assert delivery.attempt == 2
        assert [r.attempts for r in rows(own_harness.engine, number)] == [1, 1]

        # Still down at the first retry: a second failure, the row still failed.
        await own_env.sleep(2 * MINUTE)
        await eventually(
            lambda: all_rows(own_harness.engine, number, lambda r: r.attempts >= 2),
            what="a retried delivery on both rows",
            timeout=WAIT,
        )
        assert {r.status for r in rows(own_harness.engine, number)} == {"failed"}

        with smtp_server(port, sink=Relay()) as relay:
            assert isinstance(relay, Relay)
            # The next retries come 2 and 4 minutes on: well within an hour.
            await own_env.sleep(HOUR)
            await eventually(
                lambda: all_rows(own_harness.engine, number, lambda r: r.status == "sent"),
                what="the reminder sent once the relay is back",
                timeout=WAIT,
            )
            assert_delivered_once(relay, reminder, OLA, KARI)
            for row in rows(own_harness.engine, number):
                assert row.last_error is None and row.sent_at is not None
                assert row.attempts >= 3

            await own_env.sleep(timedelta(days=1))
            assert await pending_deliveries(own_harness.client, number) == []
            assert len(relay.envelopes) == 2


async def test_a_refused_recipient_stays_failed_and_visible_without_retries(
    own_env: WorkflowEnvironment, own_harness: Harness, api: Api
) -> None:
    with smtp_server(sink=Relay(refuse={OLA[1]})) as relay:
        assert isinstance(relay, Relay)
        async with production_worker(own_harness, relay.port):
            reminder = await reminder_with_contacts(own_env, own_harness, api, OLA)
            number = reminder.place.number

            await skip_to(own_env, reminder.at + timedelta(seconds=5))
            await eventually(
                lambda: all_rows(own_harness.engine, number, lambda r: r.attempts >= 1),
                what="the delivery attempt",
                timeout=WAIT,
            )
            # Past every retry DELIVERY_RETRY would make if it retried a 5xx.
            await own_env.sleep(timedelta(days=1))
            assert await pending_deliveries(own_harness.client, number) == []

            [row] = rows(own_harness.engine, number)
            assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
            assert row.last_error is not None and "550" in row.last_error
            assert relay.refused == [OLA[1]]  # asked once, never again
            assert relay.envelopes == []

            [shown] = await listed(api, number, status="failed")
            assert shown["recipient_email"] == OLA[1]
            assert shown["message_key"] == "reminder-60d"
            assert shown["attempts"] == 1
            assert "550" in shown["last_error"]
            assert "no such user here" in shown["last_error"]
