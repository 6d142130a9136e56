"""Helpers for the wave tests: waves, members, checklists.

Wave ids, like municipality workflow ids, are global to a Temporal server; each
helper makes unique ones. Times are Europe/Oslo.
"""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from onboarding.domain.actor import Actor
from onboarding.domain.calendar import oslo_date
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.vocabulary import Trigger
from onboarding.domain.waves.models import (
    AddMemberCommand,
    ChecklistCommand,
    DecisionCommand,
    RescheduleCommand,
    WaveCreate,
    WaveView,
)
from onboarding.gateway import waves as wave_engine
from tests.helpers import ACTOR, Harness
from workflows.names import wave_workflow_id

OSLO = ZoneInfo("Europe/Oslo")
ITEMS = [item.value for item in ChecklistItemId]
# What a municipality records before it can join a wave, and before approve.
TO_OPTION = (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION)
TO_AGREEMENT = (*TO_OPTION, Trigger.SIGN_SERVICE_AGREEMENT)


def oslo(year: int, month: int, day: int, hour: int = 22, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def cutover(now: datetime, days: int) -> datetime:
    """Friday-night style cutover `days` after `now`: 22:00 Oslo that day."""
    day = oslo_date(now) + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 22, tzinfo=OSLO)


def new_wave_id(prefix: str = "w") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def create_wave(
    harness: Harness,
    go_live_at: datetime,
    *,
    now: datetime,
    wave_id: str | None = None,
    name: str | None = None,
    after_the_fact: bool = False,
    health_trust: str | None = None,
    continue_as_new_after_events: int = 2_000,
) -> WaveView:
    wave_id = wave_id or new_wave_id()
    return await wave_engine.create_wave(
        harness.client,
        WaveCreate(
            id=wave_id,
            name=name or f"Wave {wave_id}",
            go_live_at=go_live_at,
            health_trust=health_trust,
            recorded_after_the_fact=after_the_fact,
        ),
        actor=ACTOR,
        task_queue=harness.task_queue,
        now=now,
        continue_as_new_after_events=continue_as_new_after_events,
    )


async def add(harness: Harness, wave_id: str, number: str, reason: str | None = None) -> WaveView:
    return await wave_engine.add_member(
        harness.client, wave_id, AddMemberCommand(number=number, reason=reason, actor=ACTOR)
    )


async def reschedule(harness: Harness, wave_id: str, go_live_at: datetime, reason: str) -> WaveView:
    return await wave_engine.reschedule(
        harness.client,
        wave_id,
        RescheduleCommand(go_live_at=go_live_at, reason=reason, actor=ACTOR),
    )


async def approve_wave(harness: Harness, wave_id: str, actor: Actor = ACTOR) -> WaveView:
    return await wave_engine.decide(
        harness.client,
        wave_id,
        DecisionCommand(
            decision="approve",  # type: ignore[arg-type]
            evidence={"document_ref": "styringsgruppe-referat"},
            actor=actor,
        ),
    )


async def check_items(
    harness: Harness, number: str, items: list[str] | None = None, done_on: date | None = None
) -> None:
    for item in ITEMS if items is None else items:
        await wave_engine.complete_item(
            harness.client,
            number,
            ChecklistCommand(
                item=item, done_on=done_on, evidence={"document_ref": f"{item}-ok"}, actor=ACTOR
            ),
        )


async def terminate_wave(client: Client, wave_id: str) -> None:
    handle = client.get_workflow_handle(wave_workflow_id(wave_id))
    try:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate(reason="test finished")
    except RPCError:
        pass


def days(n: int) -> timedelta:
    return timedelta(days=n)
