"""Scale-out on one machine: one dev server, three workers, two API processes, 200 municipalities.

Every process is the real command (`onboarding worker`, `onboarding api`) on
a real dev server and a real read model (PostgreSQL when
ONBOARDING_TEST_POSTGRES_URL is set, as in CI; else SQLite). The test drives
200 synthetic municipalities (ONBOARDING_SCALE_MUNICIPALITIES for more) from
prospective to live through the two APIs
(go-live in eight waves recorded after the fact),
kills a worker with SIGKILL three times during the drive (starting a
replacement each time), then checks that

- every transition accepted is in the audit log exactly once, in order, and the
  read model agrees with it (stage live, last_seq 5) for every municipality;
- the work spread over the workers (their onboarding_transitions_recorded
  counters, read from each worker's metrics port) and over both APIs;
- the SDK's metrics are served on the worker's Temporal metrics port.

It runs for a minute or two: `-m "not scale"` leaves it out. The size is
what shows the properties above (six workers each get part of a thousand
transitions; kills land mid-stream) in CI's time; speed at scale is measured
by the benchmarks (bench/), not here. 500 took five minutes of a CI run.
"""

import asyncio
import itertools
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, col, select

from onboarding.demo.wave_driver import all_on, go_live_in_past_wave, wave_of_the_day
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.municipality import Municipality
from onboarding.gateway.parties import load_region
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow
from onboarding.store.tokens import Role, create_token
from tests.helpers.devserver import Rig, WorkerProcess, free_port

# Bounded, with room for a busy machine: beside a 10,000-municipality benchmark on
# 2 cores it took more than 7 minutes.
pytestmark = [pytest.mark.scale, pytest.mark.devserver, pytest.mark.timeout(900)]

MUNICIPALITIES = int(os.environ.get("ONBOARDING_SCALE_MUNICIPALITIES", "200"))
assert 8 <= MUNICIPALITIES <= 1000, "ONBOARDING_SCALE_MUNICIPALITIES: 8 to 1000 (6000-6999)"
IN_FLIGHT = 24
# Go-live in waves recorded after the fact; a wave adds its members one at a time,
# so several waves keep the APIs busy.
WAVES = 8
# Kill a worker when this share of all transitions is done (one kill each).
KILL_AT = (0.2, 0.45, 0.7)
# Metrics the Temporal SDK core serves for a worker that polled and ran tasks.
SDK_METRICS = (
    "temporal_workflow_task_execution_latency",
    "temporal_activity_execution_latency",
    "temporal_request",
)
REQUEST_TIMEOUT = 120.0  # an update waits out the activity timeout of a killed worker

EVIDENCE = {
    "sign_collaboration": {"agreement_version": "2022", "document_ref": "ARK-2022/0001"},
    "exercise_option": {"case_ref": "2023/0042"},
    "sign_call_off_agreement": {"document_ref": "ARK-2023/0101", "signed_by": "Kari, rådmann"},
    "sign_service_agreement": {"document_ref": "ARK-2024/0007", "signed_by": "Kari, rådmann"},
}
# A region registered now runs the newest process (version 2): its preparation
# ends in the call-off agreement.
TO_SERVICE_AGREEMENT = (
    "sign_collaboration",
    "exercise_option",
    "start_preparation",
    "sign_call_off_agreement",
    "sign_service_agreement",
)
STEPS = len(TO_SERVICE_AGREEMENT) + 2  # + approve_go_live and the wave's go_live


def synthetic_region() -> list[Municipality]:
    """Made-up municipalities, numbered from 6000 (no real one uses 6000-6999)."""
    return [
        Municipality(
            number=str(6000 + i),
            name=f"Testkommune {i}",
            county="Testfylke",
            health_trust="Test HF",
        )
        for i in range(MUNICIPALITIES)
    ]


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database if the CI server is configured, else a SQLite file."""
    admin_url = os.environ.get("ONBOARDING_TEST_POSTGRES_URL")
    if not admin_url:
        yield f"sqlite:///{tmp_path / 'onboarding.db'}"
        return
    name = f"onboarding_scale_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Drive:
    """Sends each municipality's transitions through the APIs in turn, retrying safely."""

    apis: list[httpx.AsyncClient]
    done: int = 0
    retries: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    _turn: Iterator[int] = field(default_factory=lambda: itertools.cycle(range(2)))

    async def send(self, method: str, path: str, body: Any) -> Any:
        """One request through the APIs in turn until it goes through (5xx, drops: again).

        Transitions carry idempotency keys and wave changes repeat harmlessly; a
        409 on repeating a wave's create or decision means the lost try went through.
        """
        repeated = False
        while True:
            api = self.apis[next(self._turn) % len(self.apis)]
            try:
                response = await api.request(method, path, json=body)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code in (200, 201):
                if path.endswith("/transitions"):
                    self.count(1)
                return response.json()
            if response is not None and response.status_code == 409 and repeated:
                assert method == "POST" and path.startswith("/api/waves"), response.text
                return None
            # 503 (Temporal busy), a timeout or a dropped connection: try again.
            assert response is None or response.status_code >= 500, response.text
            repeated = True
            self.retries += 1
            await asyncio.sleep(0.5)

    def count(self, transitions: int) -> None:
        self.done += transitions
        self.progress.set()

    async def transition(self, number: str, trigger: str) -> None:
        """POST the transition until it is accepted; the idempotency key makes retries safe."""
        body = {
            "trigger": trigger,
            "evidence": EVIDENCE.get(trigger, {}),
            "idempotency_key": f"scale-{number}-{trigger}",
        }
        view = await self.send("POST", f"/api/municipalities/{number}/transitions", body)
        assert view["last_transition"]["trigger"] == trigger

    async def to_service_agreement(self, number: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            for trigger in TO_SERVICE_AGREEMENT:
                await self.transition(number, trigger)

    async def wave(self, index: int, numbers: list[str], gate: asyncio.Semaphore) -> None:
        """Its members to the service agreement, then live together (go_live below)."""
        await asyncio.gather(*(self.to_service_agreement(n, gate) for n in numbers))
        await self.go_live(f"scale-{index}", numbers)

    async def go_live(self, wave_id: str, numbers: list[str]) -> None:
        """From service agreement signed to live: the one place that knows how.

        Through a wave recorded after the fact with today's date: members
        added, checklist items done side by side, approve_go_live each, and
        the wave's approve decision takes them all live at once.
        """
        today = today_in_oslo()
        wave = wave_of_the_day(wave_id, today, evidence={"source": "scale test"})
        view = await go_live_in_past_wave(
            self.send, wave, numbers, all_on(today), concurrency=IN_FLIGHT // WAVES
        )
        assert view["status"] == "live", view
        self.count(len(numbers))


def _counter(metrics: str, name: str) -> float:
    """The sum of every series of counter `name` in a Prometheus text exposition."""
    # Label values may hold braces themselves (route="/api/municipalities/{number}").
    pattern = re.compile(rf"^{name}_total(?:{{.*}})? ([0-9.e+]+)$", re.MULTILINE)
    return sum(float(value) for value in pattern.findall(metrics))


def _scrape(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text


async def _killer(
    rig: Rig,
    drive: Drive,
    workers: list[tuple[WorkerProcess, int]],
    total: int,
    recorded: dict[str, float],
    worker_env: "WorkerEnv",
) -> None:
    """Kill the oldest worker at each KILL_AT share of the drive and start a replacement."""
    for share, victim_index in zip(KILL_AT, range(len(KILL_AT)), strict=True):
        while drive.done < share * total:
            drive.progress.clear()
            await drive.progress.wait()
        victim, port = workers[victim_index]
        recorded[victim.log_file.stem] = _counter(
            await asyncio.to_thread(_scrape, port), "onboarding_transitions_recorded"
        )
        victim.kill()
        replacement_env, replacement_port = worker_env.next()
        workers.append((await rig.start_worker(replacement_env), replacement_port))


@dataclass
class WorkerEnv:
    """Settings of each new worker: its own metrics ports, JSON logs, a small sticky cache."""

    def next(self) -> tuple[dict[str, str], int]:
        port = free_port()
        return (
            {
                "ONBOARDING_METRICS_PORT": str(port),
                "ONBOARDING_TEMPORAL_METRICS_PORT": str(free_port()),
                "ONBOARDING_LOG_FORMAT": "json",
                "ONBOARDING_WORKER_MAX_CACHED_WORKFLOWS": "200",
                "ONBOARDING_WORKER_GRACEFUL_SHUTDOWN_SECONDS": "5",
            },
            port,
        )


async def test_three_workers_and_two_apis_drive_a_region_through_kills(
    tmp_path: Path, database_url: str
) -> None:
    rig = Rig.create(tmp_path, database_url=database_url)
    loop = asyncio.get_running_loop()
    started: dict[str, float] = {"start": loop.time()}

    def timings(marks: dict[str, float]) -> str:
        names = list(marks)
        return (
            ", ".join(f"{b}: {marks[b] - marks[a]:.1f} s" for a, b in itertools.pairwise(names))
            + f", now {loop.time() - marks[names[0]]:.1f} s in all"
        )

    try:
        client = await rig.start_server()
        worker_env = WorkerEnv()
        workers: list[tuple[WorkerProcess, int]] = []
        for _ in range(3):
            env, port = worker_env.next()
            workers.append((await rig.start_worker(env), port))
        _, secret = create_token(rig.engine, name="scale test", role=Role.COORDINATOR)
        api_ports = [free_port(), free_port()]
        for port in api_ports:
            await rig.start_api(port)

        started["processes up"] = loop.time()
        region = synthetic_region()
        await load_region(client, region, task_queue=rig.task_queue, concurrency=50)
        await _wait_registered(rig, len(region))
        started["region registered"] = loop.time()

        total = len(region) * STEPS
        headers = {"Authorization": f"Bearer {secret}"}
        apis = [
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=REQUEST_TIMEOUT
            )
            for port in api_ports
        ]
        drive = Drive(apis)
        recorded: dict[str, float] = {}
        gate = asyncio.Semaphore(IN_FLIGHT)
        try:
            killer = asyncio.create_task(_killer(rig, drive, workers, total, recorded, worker_env))
            waves = [region[i::WAVES] for i in range(WAVES)]
            await asyncio.gather(
                *(drive.wave(i, [m.number for m in wave], gate) for i, wave in enumerate(waves))
            )
            started["driven to live"] = loop.time()
            await killer
            api_metrics = [(await api.get("/metrics")).text for api in apis]
        finally:
            for api in apis:
                await api.aclose()
        assert drive.done == total
        for worker, port in workers[len(KILL_AT) :]:
            recorded[worker.log_file.stem] = _counter(
                await asyncio.to_thread(_scrape, port), "onboarding_transitions_recorded"
            )
        # The SDK's own metrics, from a worker that survived to the end.
        survivor = workers[-1][0]
        assert survivor.alive()
        sdk_port = int(survivor.env["ONBOARDING_TEMPORAL_METRICS_PORT"])
        sdk_metrics = await asyncio.to_thread(_scrape, sdk_port)
        _assert_nothing_lost(rig, region)
        print(f"drive: {total} transitions, {drive.retries} retried, {timings(started)}")
    except BaseException:
        print(rig.processes())
        print(rig.report())
        raise
    finally:
        rig.close()

    # Every worker that ran did part of the work, none all of it.
    assert len(recorded) == len(KILL_AT) + 3
    assert all(count > 0 for count in recorded.values()), recorded
    assert max(recorded.values()) < 0.8 * total, recorded
    assert sum(recorded.values()) <= total, recorded
    # Both APIs took requests.
    for metrics in api_metrics:
        assert _counter(metrics, "onboarding_api_requests") > total / 4
    # The SDK's own metrics are served too, with the work this worker polled and ran.
    for metric in SDK_METRICS:
        assert f"\n{metric}" in sdk_metrics, f"{metric} not in the survivor's SDK metrics"


async def _wait_registered(rig: Rig, count: int, timeout: float = 120.0) -> None:
    """Until the workers registered every municipality in the read model."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        with Session(rig.engine) as session:
            registered = session.exec(select(func.count()).select_from(MunicipalityRow)).one()
        if registered >= count:
            return
        assert loop.time() < deadline, f"only {registered} of {count} registered"
        await asyncio.sleep(0.5)


def _assert_nothing_lost(rig: Rig, region: list[Municipality]) -> None:
    expected = [*TO_SERVICE_AGREEMENT, "approve_go_live", "go_live"]
    with Session(rig.engine) as session:
        events = session.exec(
            select(AuditEventRow).order_by(
                col(AuditEventRow.municipality_number), col(AuditEventRow.seq)
            )
        ).all()
        rows = {row.number: row for row in session.exec(select(MunicipalityRow)).all()}
    by_number: dict[str, list[AuditEventRow]] = {}
    for event in events:
        by_number.setdefault(event.municipality_number, []).append(event)
    assert len(events) == len(region) * STEPS
    for municipality in region:
        trail = by_number[municipality.number]
        assert [e.trigger for e in trail] == expected, municipality.number
        assert [e.seq for e in trail] == list(range(1, STEPS + 1)), municipality.number
        row = rows[municipality.number]
        assert (row.stage, row.last_seq) == ("live", STEPS), municipality.number
