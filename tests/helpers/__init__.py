"""The tests' helpers; here those of the engine tests: made-up municipalities, commands,
the harness (conftest's `harness`, `sql_harness`, `own_harness`), polling. The other
modules of this package are listed in docs/testing.md ("The tree").

Workflow ids (`municipality-<number>`) are global to a test server
and `start_party` reuses a running workflow of the same id, so every
test needs numbers nobody else in the session uses. The engine tests take
theirs from 8000-8999 (no real municipality has one; the API tests use
9000-9999), each once, and skip any number that already has a workflow.
"""

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import MunicipalityView, TransitionCommand
from onboarding.domain.parties.process import process_key
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import MUNICIPALITY, latest, process_definition
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.embedded.worker import build_worker
from onboarding.gateway import parties as gateway
from onboarding.store import queries
from workflows.names import party_workflow_id

ACTOR = Actor(id="test-coordinator", name="Kari Nordmann", role="coordinator")

# The smallest valid evidence for each trigger, in every version of the process
# (signed_by: version 2 requires it of the agreements, version 1 keeps it).
EVIDENCE: dict[Trigger, dict[str, str]] = {
    Trigger.SIGN_COLLABORATION: {"agreement_version": "2022", "document_ref": "ARK-2022/0042"},
    Trigger.REQUIRE_RESIGNATURE: {"agreement_version": "2023"},
    Trigger.EXERCISE_OPTION: {"case_ref": "2021/1234"},
    Trigger.DECLINE: {"case_ref": "2023/0815", "reason": "the investment is too high"},
    Trigger.START_PREPARATION: {},
    Trigger.SIGN_CALL_OFF_AGREEMENT: {
        "document_ref": "ARK-2021/1012",
        "signed_by": "Ola Normann, rådmann",
    },
    Trigger.SIGN_SERVICE_AGREEMENT: {
        "document_ref": "ARK-2022/0930",
        "signed_by": "Ola Normann, rådmann",
    },
    Trigger.APPROVE_GO_LIVE: {},
    Trigger.GO_LIVE: {},
    Trigger.PAUSE: {"reason": "put on hold by the council"},
    Trigger.RESUME: {},
    Trigger.WITHDRAW: {"reason": "the council withdrew"},
    # GP offices and private specialists (a specialist's offer also names its terms).
    Trigger.OFFER_STANDARD_AGREEMENT: {
        "agreement_version": "2023",
        "terms_version": "2023-11",
        "document_ref": "ARK-2023/1101",
    },
    Trigger.POSTPONE_DECISION: {"reason": "the office decides after the summer"},
    Trigger.RECONSIDER: {},
    Trigger.SIGN_STANDARD_AGREEMENT: {
        "agreement_version": "2023",
        "terms_version": "2023-11",
        "signed_by": "Kari Lege, daglig leder",
        "document_ref": "ARK-2024/0117",
    },
    # The engine's own record of a municipal reform: no process offers it.
    Trigger.REFORM: {"document_ref": "https://data.ssb.no/api/klass/v1/classifications/131"},
}

# Version 1 of the municipality process: what most engine tests drive (a
# municipality registered now starts on the newest version; V1 parties keep
# running beside it, and these tests show they do).
V1 = process_definition(MUNICIPALITY, 1)
P = TypeVar("P", bound=Party)

# prospective -> live on version 1, each trigger with the stage it leads to.
MAIN_ROAD: tuple[tuple[Trigger, Stage], ...] = (
    (Trigger.SIGN_COLLABORATION, Stage.COLLABORATION_SIGNED),
    (Trigger.EXERCISE_OPTION, Stage.OPTION_EXERCISED),
    (Trigger.START_PREPARATION, Stage.PREPARING),
    (Trigger.SIGN_SERVICE_AGREEMENT, Stage.SERVICE_AGREEMENT_SIGNED),
    (Trigger.APPROVE_GO_LIVE, Stage.READY),
    (Trigger.GO_LIVE, Stage.LIVE),
)

# The same on version 2: the pre-project ends in a signed call-off agreement.
MAIN_ROAD_V2: tuple[tuple[Trigger, Stage], ...] = (
    *MAIN_ROAD[:3],
    (Trigger.SIGN_CALL_OFF_AGREEMENT, Stage.CALL_OFF_SIGNED),
    *MAIN_ROAD[3:],
)

_FREE_NUMBERS = iter(random.sample(range(8000, 9000), 1000))


def command(
    trigger: Trigger,
    *,
    effective_on: date | None = None,
    key: str | None = None,
    comment: str | None = None,
    evidence: dict[str, str] | None = None,
) -> TransitionCommand:
    """A valid command for `trigger` (evidence defaults to EVIDENCE[trigger])."""
    return TransitionCommand(
        trigger=trigger,
        effective_on=effective_on,
        evidence=EVIDENCE[trigger] if evidence is None else evidence,
        comment=comment,
        idempotency_key=key,
        actor=ACTOR,
    )


async def eventually(
    predicate: Callable[[], bool], *, what: str, timeout: float = 10.0, interval: float = 0.02
) -> None:
    """Poll `predicate` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(interval)


@dataclass
class Harness:
    """One test's client, database and task queue, and the workflows it started.

    Use it with `async with`: leaving terminates those workflows.
    """

    client: Client
    engine: Engine
    task_queue: str
    started: list[str] = field(default_factory=list)

    def worker(self, *, cached: bool = True) -> Worker:
        """A worker for this test's queue, to run with `async with`.

        `cached=False` turns off the workflow cache and with it sticky task
        queues. Tests that stop a worker need that: the time-skipping test
        server never hands a stopped worker's sticky tasks back to the normal
        queue, so an update sent afterwards would wait forever (a real server
        gives up on the sticky queue after a few seconds).
        """
        if cached:
            return build_worker(self.client, self.engine, task_queue=self.task_queue)
        return build_worker(
            self.client, self.engine, task_queue=self.task_queue, max_cached_workflows=0
        )

    async def fresh_municipality(self) -> Municipality:
        """A made-up municipality whose workflow id no one in this session has used."""
        while True:
            number = str(next(_FREE_NUMBERS))
            try:
                await self.client.get_workflow_handle(party_workflow_id(number)).describe()
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
                return Municipality(
                    number=number,
                    name=f"Testby {number}",
                    county="Trøndelag",
                    health_trust="St. Olavs hospital HF",
                )

    async def start(
        self,
        *,
        continue_as_new_after_events: int = 2_000,
        readiness_guard: bool = False,
        party: P | None = None,
        process: ProcessDefinition | None = None,
    ) -> tuple[P | Municipality, WorkflowHandle[Any, Any]]:
        """Start a party's workflow (a worker must run) and wait for its row.

        Without `party`, a fresh municipality. The engine tests of the bare
        process run without the go-live guard of production waves
        (`readiness_guard=False`); the wave tests turn it on. Municipalities
        run version 1 unless a test says otherwise (`process`); other kinds
        their kind's newest version.
        """
        started: P | Municipality = party or await self.fresh_municipality()
        if process is None:
            process = (
                V1 if started.kind is PartyKind.MUNICIPALITY else latest(process_key(started.kind))
            )
        self.started.append(started.number)
        handle = await gateway.start_party(
            self.client,
            started,
            task_queue=self.task_queue,
            continue_as_new_after_events=continue_as_new_after_events,
            readiness_guard=readiness_guard,
            process=process,
        )
        await eventually(
            lambda: queries.get_municipality(self.engine, number=started.number) is not None,
            what=f"the registration row of {started.number}",
        )
        return started, handle

    async def move(self, number: str, trigger: Trigger, **kwargs: Any) -> MunicipalityView:
        """Record a transition through the gateway, as the API does."""
        return await gateway.transition(self.client, number, command(trigger, **kwargs))

    async def state(self, number: str) -> MunicipalityView:
        return await gateway.current_state(self.client, number)

    async def __aenter__(self) -> "Harness":
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Terminate the workflows this test started, so the shared server stays light."""

        async def one(number: str) -> None:
            handle = self.client.get_workflow_handle(party_workflow_id(number))
            try:
                described = await handle.describe()
                if (
                    described.task_queue == self.task_queue
                    and described.status == WorkflowExecutionStatus.RUNNING
                ):
                    await handle.terminate(reason="test finished")
            except RPCError:
                pass  # never started, or already closed

        await asyncio.gather(*(one(n) for n in self.started))
