"""The REST API in-process against a real worker: the `Api` the `api` fixture gives, bodies, checks.

Workflow ids are global to a Temporal server, so the API tests use made-up
municipality numbers from 9000-9999 (no real municipality has one; the engine
tests use 8000-8999), each once per session, terminated when the test ends.
"""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from onboarding.domain.municipality import Municipality
from onboarding.domain.process.model import ProcessDefinition
from onboarding.gateway import parties as gateway
from onboarding.settings import Settings
from onboarding.store import queries
from onboarding.store.tokens import Role
from tests.helpers import V1
from tests.helpers.dates import at, friday_ahead, oslo_day
from workflows.names import party_workflow_id

# Made-up municipality numbers, each used once per session (see module docstring).
_FREE_NUMBERS = iter(random.sample(range(9000, 10000), 1000))


SIGN = {
    "trigger": "sign_collaboration",
    "effective_on": "2017-03-15",
    "evidence": {"agreement_version": "2017", "document_ref": "ARK-2017/0042"},
}


EXERCISE = {
    "trigger": "exercise_option",
    "effective_on": "2019-08-29",
    "evidence": {"case_ref": "2019/1234"},
}


def fresh_number() -> str:
    return str(next(_FREE_NUMBERS))


@dataclass
class Api:
    """The app under test, its collaborators and a token per role."""

    app: FastAPI
    http: httpx.AsyncClient
    engine: Engine
    client: Client
    settings: Settings
    secrets: dict[Role, str]
    started: list[str] = field(default_factory=list)

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[role]}"}

    async def get(self, path: str, role: Role = Role.VIEWER, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, headers=self.auth(role), **kwargs)

    async def post(
        self, path: str, body: dict[str, Any], role: Role = Role.COORDINATOR
    ) -> httpx.Response:
        return await self.http.post(path, json=body, headers=self.auth(role))

    async def start(self, count: int = 1, *, process: ProcessDefinition = V1) -> list[str]:
        """Start `count` made-up municipalities and wait until their rows exist.

        They run version 1 of the process unless `process` says otherwise.
        """
        numbers = [fresh_number() for _ in range(count)]
        municipalities = [
            Municipality(
                number=n, name=f"Testby {n}", county="Trøndelag", health_trust="St. Olavs hospital"
            )
            for n in numbers
        ]
        self.started.extend(numbers)
        await gateway.load_region(
            self.client, municipalities, task_queue=self.settings.task_queue, process=process
        )
        deadline = time.monotonic() + 10
        while any(queries.get_municipality(self.engine, number=n) is None for n in numbers):
            assert time.monotonic() < deadline, f"rows of {numbers} never appeared"
            await asyncio.sleep(0.02)
        return numbers

    async def move(self, number: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record a transition that must succeed."""
        response = await self.post(f"/api/municipalities/{number}/transitions", body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def history(self, number: str) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in queries.history(self.engine, number=number)]


async def terminate_started(client: Client, numbers: list[str], task_queue: str) -> None:
    """End the workflows this test started on its own task queue."""

    async def one(number: str) -> None:
        handle = client.get_workflow_handle(party_workflow_id(number))
        try:
            described = await handle.describe()
            if described.task_queue == task_queue and described.status == (
                WorkflowExecutionStatus.RUNNING
            ):
                await handle.terminate(reason="test finished")
        except RPCError:
            pass  # never started or already closed

    await asyncio.gather(*(one(n) for n in numbers))


def assert_rejected(response: httpx.Response, field_name: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "invalid_request"
    assert body["field"] == field_name, body
    assert body["message"]
    return body


def summer_time(day: date) -> bool:
    """22:00 in Oslo on `day` is summer time (UTC+2)."""
    return at(day).utcoffset() == timedelta(hours=2)


# Ahead of the wall clock, which the API and the shared (never skipping) test server use:
# a Friday night in summer time at least 150 days ahead (so every T-minus deadline, T-120
# the earliest, is ahead too), and the first Friday night in winter time after it.
SPRING_DAY = friday_ahead(oslo_day(datetime.now(UTC)), days=150, where=summer_time)
AUTUMN_DAY = friday_ahead(SPRING_DAY, days=1, where=lambda day: not summer_time(day))
SPRING = at(SPRING_DAY).isoformat()  # a Friday night, summer time
AUTUMN = at(AUTUMN_DAY).isoformat()  # a Friday night, winter time
assert (SPRING[-6:], AUTUMN[-6:]) == ("+02:00", "+01:00")


def wave_body(**overrides: Any) -> dict[str, Any]:
    body = {"id": f"w-{uuid.uuid4().hex[:10]}", "name": "Sunnmøre", "go_live_at": SPRING}
    return {**body, **overrides}
