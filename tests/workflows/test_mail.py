"""Delivery by email against a real SMTP server (aiosmtpd) started by each test.

The activities run in `ActivityEnvironment` on SQLite and PostgreSQL; the last
test runs them from a workflow on the time-skipping server, so Temporal's own
retries carry a message past a relay that was down.
"""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.notifications import DELIVERY_FAILED, NotificationActivities
from onboarding.domain.notifications import (
    DeliveryInput,
    DeliveryResult,
    DueMessage,
    EnqueueResult,
    NotificationStatus,
    RecipientRole,
)
from onboarding.embedded.worker import build_worker
from onboarding.settings import Settings
from onboarding.store import outbox
from onboarding.store.tables.notifications import NotificationRow
from tests.helpers.notifications import (
    Authenticator,
    Sink,
    due_message,
    free_port,
    municipality,
    register,
    self_signed_certificate,
    set_contacts,
    smtp_server,
    smtp_settings,
)

OLA = "ola@trondheim.kommune.no"
KIM = "kim@hnt.no"


@pytest.fixture
def enqueued(sql_engine: Engine) -> list[int]:
    """Two pending rows: Trondheim's contact and the program coordinator."""
    register(sql_engine, municipality())
    set_contacts(sql_engine, "5001", ("municipality_contact", "Ola Nordmann", OLA))
    set_contacts(sql_engine, None, ("program_coordinator", "Kim Koordinator", KIM))
    return outbox.enqueue(
        sql_engine, due_message(municipality()), base_url="https://onboarding.example.no"
    )


def deliver(engine: Engine, settings: Settings, ids: list[int]) -> DeliveryResult:
    """The activity, as a worker would run it."""
    activities = NotificationActivities(engine, settings)
    return ActivityEnvironment().run(
        activities.deliver_notifications, DeliveryInput(notification_ids=ids)
    )


def stored(engine: Engine, ids: list[int]) -> list[NotificationRow]:
    found = [outbox.get_notification(engine, i) for i in ids]
    assert all(row is not None for row in found)
    return [row for row in found if row is not None]


def test_messages_arrive_naming_municipality_obligation_deadline_and_link(
    sql_engine: Engine, enqueued: list[int]
) -> None:
    with smtp_server() as sink:
        result = deliver(sql_engine, smtp_settings(sink.port), enqueued)

    assert result == DeliveryResult(sent=2)
    assert sorted(rcpt for e in sink.envelopes for rcpt in e.rcpt_tos) == [KIM, OLA]
    message = next(m for m in sink.messages if OLA in str(m["To"]))
    assert str(message["To"]) == f"Ola Nordmann <{OLA}>"
    assert str(message["From"]) == "onboarding@helseplattformen.example"
    assert str(message["Subject"]) == (
        "Påminnelse 30 dager før frist: Fullmakt / power of attorney – Trondheim (5001), "
        "frist 15.03.2025"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert str(message["Message-ID"]).endswith("@helseplattformen.example>")
    content = message.get_content()
    for expected in (
        "Trondheim (5001)",
        "Fullmakt / power of attorney",
        "15.03.2025",
        "deadline 2025-03-15",
        "https://onboarding.example.no/municipalities/5001",
    ):
        assert expected in content, expected
    for row in stored(sql_engine, enqueued):
        assert row.status == NotificationStatus.SENT
        assert row.attempts == 1
        assert row.sent_at is not None and row.sent_at.tzinfo is not None
        assert row.last_error is None


def test_delivering_again_sends_nothing_twice(sql_engine: Engine, enqueued: list[int]) -> None:
    with smtp_server() as sink:
        settings = smtp_settings(sink.port)
        first = deliver(sql_engine, settings, enqueued)
        again = deliver(sql_engine, settings, enqueued)

    assert first == DeliveryResult(sent=2)
    assert again == DeliveryResult(already_sent=2)
    assert len(sink.envelopes) == 2
    assert [row.attempts for row in stored(sql_engine, enqueued)] == [1, 1]


def test_racing_attempts_send_each_row_once_on_postgresql(postgres_engine: Engine) -> None:
    # The row lock is held across the send, so a second attempt waits and then finds
    # the row sent. (SQLite has no row locks: see outbox.deliver's at-least-once note.)
    register(postgres_engine, municipality())
    set_contacts(postgres_engine, "5001", ("municipality_contact", "Ola Nordmann", OLA))
    set_contacts(postgres_engine, None, ("program_coordinator", "Kim Koordinator", KIM))
    ids = outbox.enqueue(postgres_engine, due_message(municipality()), base_url="https://x.no")

    with smtp_server() as sink, ThreadPoolExecutor(max_workers=6) as pool:
        settings = smtp_settings(sink.port)
        results = list(pool.map(lambda _: deliver(postgres_engine, settings, ids), range(6)))

    assert sum(r.sent for r in results) == 2
    assert sum(r.already_sent for r in results) == 2 * 6 - 2
    assert len(sink.envelopes) == 2


def test_a_relay_that_is_down_fails_visibly_and_a_retry_sends(
    sql_engine: Engine, enqueued: list[int]
) -> None:
    port = free_port()
    settings = smtp_settings(port)

    with pytest.raises(ApplicationError) as failed:
        deliver(sql_engine, settings, enqueued)

    assert failed.value.type == DELIVERY_FAILED
    assert not failed.value.non_retryable
    assert "2 of 2 not delivered" in str(failed.value)
    for row in stored(sql_engine, enqueued):
        assert row.status == NotificationStatus.FAILED
        assert row.attempts == 1
        assert row.last_error is not None
        assert f"127.0.0.1:{port}" in row.last_error
        assert "ConnectionRefusedError" in row.last_error
        assert row.last_attempt_at is not None and row.sent_at is None

    with smtp_server(port) as sink:
        retried = deliver(sql_engine, settings, enqueued)

    assert retried == DeliveryResult(sent=2)
    assert len(sink.envelopes) == 2
    for row in stored(sql_engine, enqueued):
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_without_smtp_messages_are_held_and_go_out_once_a_relay_is_set(
    sql_engine: Engine, enqueued: list[int], tmp_path: Path
) -> None:
    held = deliver(sql_engine, Settings(home=tmp_path), enqueued)

    assert held == DeliveryResult(held=2)
    assert {row.status for row in stored(sql_engine, enqueued)} == {"held"}
    assert {row.attempts for row in stored(sql_engine, enqueued)} == {0}
    listed = outbox.list_notifications(sql_engine, status=NotificationStatus.HELD)
    assert sorted(row.id for row in listed if row.id is not None) == sorted(enqueued)

    with smtp_server() as sink:
        sent = deliver(sql_engine, smtp_settings(sink.port), enqueued)
    assert sent == DeliveryResult(sent=2)


def test_a_permanent_refusal_stays_failed_without_failing_the_rest(
    sql_engine: Engine, enqueued: list[int]
) -> None:
    with smtp_server(sink=Sink(refuse={OLA})) as sink:
        result = deliver(sql_engine, smtp_settings(sink.port), enqueued)

    assert result == DeliveryResult(sent=1, rejected=1)
    refused = next(r for r in stored(sql_engine, enqueued) if r.recipient_email == OLA)
    assert refused.status == NotificationStatus.FAILED
    assert refused.attempts == 1
    assert refused.last_error is not None and "550" in refused.last_error
    assert [e.rcpt_tos for e in sink.envelopes] == [[KIM]]


def test_rows_without_a_recipient_are_counted_not_sent(sql_engine: Engine) -> None:
    register(sql_engine, municipality())
    ids = outbox.enqueue(
        sql_engine,
        due_message(municipality(), recipient_roles=[RecipientRole.COUNCIL]),
        base_url="https://x.no",
    )
    with smtp_server() as sink:
        result = deliver(sql_engine, smtp_settings(sink.port), ids)

    assert result == DeliveryResult(no_recipient=1)
    assert sink.envelopes == []
    assert stored(sql_engine, ids)[0].status == NotificationStatus.NO_RECIPIENT


def test_credentials_are_used_and_a_wrong_password_is_retried(
    sqlite_engine: Engine,
) -> None:
    register(sqlite_engine, municipality())
    set_contacts(sqlite_engine, "5001", ("municipality_contact", "Ola Nordmann", OLA))
    ids = outbox.enqueue(
        sqlite_engine,
        due_message(municipality(), recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT]),
        base_url="https://x.no",
    )
    auth = Authenticator("onboarding", "s3cret-Passw0rd")
    with smtp_server(authenticator=auth, auth_require_tls=False) as sink:
        wrong = smtp_settings(sink.port, smtp_username="onboarding", smtp_password="nope")
        with pytest.raises(ApplicationError):
            deliver(sqlite_engine, wrong, ids)
        [row] = stored(sqlite_engine, ids)
        assert row.last_error is not None and "535" in row.last_error

        right = smtp_settings(
            sink.port, smtp_username="onboarding", smtp_password="s3cret-Passw0rd"
        )
        assert deliver(sqlite_engine, right, ids) == DeliveryResult(sent=1)

    assert auth.logins == ["onboarding"]
    assert len(sink.envelopes) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_verifies_the_relay_against_the_configured_ca(
    sqlite_engine: Engine, tmp_path: Path, security: str
) -> None:
    certificate = self_signed_certificate(tmp_path)
    register(sqlite_engine, municipality())
    set_contacts(sqlite_engine, "5001", ("municipality_contact", "Ola Nordmann", OLA))
    ids = outbox.enqueue(
        sqlite_engine,
        due_message(municipality(), recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT]),
        base_url="https://x.no",
    )
    tls = (
        {"tls_context": certificate.server_context(), "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": certificate.server_context()}
    )
    with smtp_server(**tls) as sink:
        untrusted = smtp_settings(sink.port, smtp_security=security)
        with pytest.raises(ApplicationError) as failed:
            deliver(sqlite_engine, untrusted, ids)
        assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)

        trusted = smtp_settings(sink.port, smtp_security=security, smtp_ca_file=certificate.cert)
        assert deliver(sqlite_engine, trusted, ids) == DeliveryResult(sent=1)

    assert len(sink.envelopes) == 1


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"smtp_host": "smtp.example.no"}, "ONBOARDING_SMTP_SENDER is required"),
        ({"smtp_host": "smtp.example.no", "smtp_sender": "nobody"}, "not an email address"),
        ({"smtp_username": "onboarding"}, "go together"),
        ({"smtp_security": "ssl"}, "starttls"),
    ],
)
def test_incomplete_smtp_settings_are_refused(values: dict[str, str], fragment: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)  # type: ignore[arg-type]
    assert fragment in str(refused.value)


def test_links_default_to_the_api_url() -> None:
    assert Settings(url="http://127.0.0.1:8000/").resolved_public_url == "http://127.0.0.1:8000"
    assert Settings(public_url="https://x.no/").resolved_public_url == "https://x.no"


# -- through Temporal: retried with backoff until the relay is back -------------------


class NotifyInput(BaseModel):
    due: DueMessage
    # The activities run on build_worker's queue (one worker per queue and namespace).
    activity_queue: str


@workflow.defn(sandboxed=False)
class NotifyOnce:
    """What the municipality workflow does with a due message, and nothing else."""

    @workflow.run
    async def run(self, input: NotifyInput) -> DeliveryResult:
        enqueued: EnqueueResult = await workflow.execute_activity(
            "enqueue_notifications",
            input.due,
            result_type=EnqueueResult,
            task_queue=input.activity_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        result: DeliveryResult = await workflow.execute_activity(
            "deliver_notifications",
            DeliveryInput(notification_ids=enqueued.notification_ids),
            result_type=DeliveryResult,
            task_queue=input.activity_queue,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=200),
                maximum_interval=timedelta(seconds=1),
            ),
        )
        return result


async def test_the_worker_retries_delivery_until_the_relay_is_back(
    client: Client, sqlite_engine: Engine, task_queue: str
) -> None:
    register(sqlite_engine, municipality())
    set_contacts(sqlite_engine, "5001", ("municipality_contact", "Ola Nordmann", OLA))
    set_contacts(sqlite_engine, None, ("program_coordinator", "Kim Koordinator", KIM))
    port = free_port()
    async with (
        build_worker(client, sqlite_engine, task_queue=task_queue, settings=smtp_settings(port)),
        Worker(
            client,
            task_queue=f"{task_queue}-workflow",
            workflows=[NotifyOnce],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ),
    ):
        handle = await client.start_workflow(
            NotifyOnce.run,
            NotifyInput(due=due_message(municipality()), activity_queue=task_queue),
            id=f"notify-{uuid.uuid4()}",
            task_queue=f"{task_queue}-workflow",
        )
        # The relay is down: the rows show failed attempts while Temporal retries.
        deadline = time.monotonic() + 20
        while True:
            rows = outbox.list_notifications(sqlite_engine)
            if len(rows) == 2 and all(r.attempts >= 2 for r in rows):
                break
            assert time.monotonic() < deadline, "delivery was not retried"
            await asyncio.sleep(0.05)
        assert {r.status for r in rows} == {"failed"}

        with smtp_server(port) as sink:
            result = await handle.result()

    assert result == DeliveryResult(sent=2)
    assert len(sink.envelopes) == 2
    assert {r.status for r in outbox.list_notifications(sqlite_engine)} == {"sent"}
