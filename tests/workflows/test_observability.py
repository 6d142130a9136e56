"""Metrics and logs of the services: counted where the work happens, logged as JSON lines.

The activities run in the SDK's ActivityEnvironment against a real SQLite
read model; the counters are the process's real prometheus_client registry.
"""

import io
import json
import logging
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from onboarding.domain.notifications import DeliveryInput
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.embedded.worker import build_worker
from onboarding.gateway.connection import tls_config
from onboarding.observability.logs import JsonFormatter, configure_logging
from onboarding.observability.runtime import temporal_runtime
from onboarding.settings import Settings
from tests.helpers.devserver import free_port
from tests.helpers.notifications import (
    due_message,
    municipality,
    set_contacts,
    smtp_server,
    smtp_settings,
)
from tests.helpers.notifications import register as register_place
from tests.helpers.store import projected, register


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _environment(workflow_id: str) -> ActivityEnvironment:
    environment = ActivityEnvironment()
    environment.info = replace(environment.info, workflow_id=workflow_id)
    return environment


def test_a_recorded_transition_is_counted_once_with_its_lag(sqlite_engine: Engine) -> None:
    register(sqlite_engine, "8301")
    step = projected(
        "8301",
        1,
        Trigger.SIGN_COLLABORATION,
        Stage.PROSPECTIVE,
        Stage.COLLABORATION_SIGNED,
        date(2017, 3, 15),
        evidence={"agreement_version": "2017", "document_ref": "ARK-1"},
    )
    counted = _sample("onboarding_transitions_recorded_total", trigger="sign_collaboration")
    lags = _sample("onboarding_projection_lag_seconds_count")
    activities = ProjectionActivities(sqlite_engine)
    environment = _environment("municipality-8301")

    environment.run(activities.record_transition, step)
    # A retry after a lost completion finds the row and is not counted again.
    environment.run(activities.record_transition, step)

    assert (
        _sample("onboarding_transitions_recorded_total", trigger="sign_collaboration")
        == counted + 1
    )
    assert _sample("onboarding_projection_lag_seconds_count") == lags + 1


def test_json_logs_carry_the_workflow_and_the_municipality() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = activity.logger.logger
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def act() -> None:
        activity.logger.info("recorded %s", "sign_collaboration", extra={"seq": 3})

    try:
        _environment("municipality-5001").run(act)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["workflow_id"] == "municipality-5001"
    assert entry["municipality"] == "5001"
    assert entry["level"] == "INFO"
    assert entry["seq"] == 3
    assert entry["message"].startswith("recorded sign_collaboration")


def test_json_logs_without_a_workflow_are_still_one_object(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(Settings(log_format="json", log_level="INFO"))
        logging.getLogger("onboarding.test").debug("below the level")
        logging.getLogger("transitions.core").info("a state callback: noise for operators")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("onboarding.test").exception("failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "failed" and "ValueError: boom" in entry["exception"]
    assert "workflow_id" not in entry


async def test_worker_takes_its_tuning_from_the_settings(
    client: Client, sqlite_engine: Engine
) -> None:
    def config(activities: int) -> dict[str, Any]:
        settings = Settings(
            worker_max_concurrent_workflow_tasks=7,
            worker_max_concurrent_activities=activities,
            worker_max_cached_workflows=11,
            worker_graceful_shutdown_seconds=12,
        )
        worker = build_worker(
            client, sqlite_engine, task_queue=f"tuning-{activities}", settings=settings
        )
        return dict(worker.config())

    three, five = config(3), config(5)
    assert three["max_concurrent_workflow_tasks"] == 7
    # Activity slots follow the setting (plus any fixed slots the worker reserves).
    assert five["max_concurrent_activities"] - three["max_concurrent_activities"] == 2
    assert three["max_concurrent_activities"] >= 3
    assert three["max_cached_workflows"] == 11
    assert three["graceful_shutdown_timeout"].total_seconds() == 12


def test_sdk_metrics_runtime_only_with_a_port() -> None:
    assert temporal_runtime(Settings()) is None
    assert temporal_runtime(Settings(temporal_metrics_port=free_port())) is not None


def test_tls_settings() -> None:
    assert tls_config(Settings()) is False
    assert tls_config(Settings(temporal_tls=True)) is True
    # Temporal Cloud's API key travels over TLS only.
    assert tls_config(Settings(temporal_api_key="key")) is True  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CERT_FILE and ONBOARDING_TEMPORAL_TLS_KEY_FILE"):
        Settings(temporal_tls_cert_file="client.pem")  # type: ignore[arg-type]


def test_reminders_due_sent_and_failed_are_counted(sqlite_engine: Engine) -> None:
    place = municipality()
    register_place(sqlite_engine, place)
    set_contacts(sqlite_engine, "5001", ("municipality_contact", "Ola", "ola@example.no"))
    set_contacts(sqlite_engine, None, ("program_coordinator", "Kim", "kim@example.no"))
    due = _sample("onboarding_messages_due_total", kind="reminder")
    sent = _sample("onboarding_messages_sent_total", kind="reminder")
    delivered = _sample("onboarding_deliveries_total", outcome="sent")
    failed = _sample("onboarding_delivery_failures_total", kind="transient")

    down = NotificationActivities(sqlite_engine, smtp_settings(free_port()))  # nobody listens
    queued = ActivityEnvironment().run(down.enqueue_notifications, due_message(place))
    batch = DeliveryInput(notification_ids=queued.notification_ids)
    with pytest.raises(ApplicationError, match="not delivered"):
        ActivityEnvironment().run(down.deliver_notifications, batch)
    with smtp_server() as sink:
        up = NotificationActivities(sqlite_engine, smtp_settings(sink.port))
        ActivityEnvironment().run(up.deliver_notifications, batch)

    assert _sample("onboarding_messages_due_total", kind="reminder") == due + 1
    assert _sample("onboarding_delivery_failures_total", kind="transient") == failed + 2
    assert _sample("onboarding_messages_sent_total", kind="reminder") == sent + 2
    assert _sample("onboarding_deliveries_total", outcome="sent") == delivered + 2
