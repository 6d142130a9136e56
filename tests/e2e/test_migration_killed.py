"""The demo region moved from process version 1 to 2 with its worker killed midway (#18).

Real processes: a Temporal dev server on a SQLite file, `python -m onboarding
worker`, the API in-process on the same read model. The demo region is loaded
on version 1 (as `up --demo` loads it), the admin's dry-run lists what moving
it to version 2 does to each municipality, the run starts and its only
worker is SIGKILLed at once; a new worker finishes it. Then: every
municipality migrated exactly once, on version 2, with exactly the effect the
dry-run listed, the obligations version 2 opens for its stage, and the pending
reminders and escalations version 2's policy arms for each deadline (two
municipalities in a wave ahead have checklist deadlines with timers to check).
"""

import asyncio
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from onboarding.demo.loader import load_demo
from onboarding.demo.rollout import shipped_rollout
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.obligations.schedule import ACTIVE_OBLIGATION_STATUSES, schedule
from onboarding.domain.parties.process import fit_policy
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.vocabulary import Stage
from onboarding.store.tables.parties import ProcessMigrationRow
from onboarding.store.tokens import Role
from tests.helpers.dates import at, friday_ahead
from tests.helpers.devserver import Rig
from tests.helpers.faults import driver, rows_appear

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(600)]

REGION_SIZE = 67
V2 = process_definition(MUNICIPALITY, 2)
V2_POLICY = fit_policy(V2, ReminderPolicy())  # the worker runs the default policy


def migrated(engine: Engine, migration_id: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(ProcessMigrationRow)
            .where(ProcessMigrationRow.migration_id == migration_id)
        ).one()


def armed_by_v2(obligation: dict[str, Any]) -> set[tuple[str, datetime]]:
    """Every reminder and escalation v2's policy has for the obligation's deadline, if open."""
    if obligation["status"] != "open" or obligation["deadline"] is None:
        return set()
    deadline = date.fromisoformat(obligation["deadline"])
    return {(m.message_key, m.at) for m in schedule(deadline, V2_POLICY)}


def comparable(effect: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in effect.items() if k not in ("recorded_at", "already_applied")}


async def test_the_demo_region_moves_to_v2_with_its_worker_killed_midway(tmp_path: Path) -> None:
    rig = Rig.create(tmp_path)
    try:
        await rig.start_server()
        worker = await rig.start_worker()
        assert rig.client is not None
        async with driver(
            rig.client, rig.engine, tmp_path / "api", task_queue=rig.task_queue
        ) as api:
            loaded = await api.until_accepted(
                "POST", "/api/region/load", {"process_version": 1}, role=Role.ADMIN
            )
            assert loaded["loaded"] == REGION_SIZE
            await rows_appear(rig.engine, REGION_SIZE)
            api.http.headers["Authorization"] = f"Bearer {api.secrets[Role.COORDINATOR]}"
            await load_demo(api.http, shipped_rollout())
            # The demo's deadlines are history: a wave ahead takes two municipalities that
            # have signed their service agreement, so their checklists' reminders pend as the
            # run moves them (v2 starts end-user training 105 days before go-live, not 60).
            go_live = at(friday_ahead(today_in_oslo(), days=150))
            wave = {"id": "w-ahead", "name": "Ahead", "go_live_at": go_live.isoformat()}
            created = await api.http.post("/api/waves", json=wave)
            assert created.status_code == 201, created.text
            members = 0
            for row in (await api.http.get("/api/municipalities")).json():
                if row["stage"] == "service_agreement_signed" and members < 2:
                    joined = await api.http.post(
                        "/api/waves/w-ahead/members", json={"number": row["number"]}
                    )
                    members += joined.status_code in (200, 201)
            assert members == 2, "no municipality of the demo could join a wave ahead"
            del api.http.headers["Authorization"]

            run = "demo-v1-to-v2"
            body = {
                "plan": {"id": run, "to_version": 2, "reason": "the call-off agreement"},
                "selection": {"every": True},
            }
            dry = await api.http.post(
                "/api/migrations/dry-run", json=body, headers=api.auth(Role.ADMIN)
            )
            assert dry.status_code == 200, dry.text
            preview = dry.json()
            assert (preview["parties"], preview["fit"]) == (REGION_SIZE, REGION_SIZE)
            listed = {p["number"]: comparable(p["effect"]) for p in preview["previews"]}

            run_started = datetime.now(UTC)
            started = await api.http.post(
                "/api/migrations", json=body, headers=api.auth(Role.ADMIN)
            )
            assert started.status_code == 202, started.text
            # Killed midway: once the first municipalities are recorded, the run going on.
            limit = time.monotonic() + 60
            while migrated(rig.engine, run) == 0:
                assert time.monotonic() < limit, "the run never started"
                await asyncio.sleep(0.01)
            worker.kill()
            at_kill = migrated(rig.engine, run)
            await asyncio.sleep(2)
            assert 0 < migrated(rig.engine, run) == at_kill < REGION_SIZE, "moved with no worker"

            await rig.start_worker()
            deadline = time.monotonic() + 240
            while True:
                response = await api.http.get(
                    f"/api/migrations/{run}/progress", headers=api.auth(Role.ADMIN)
                )
                if response.status_code == 200 and response.json()["finished"]:
                    progress = response.json()
                    break
                assert time.monotonic() < deadline, response.text
                await asyncio.sleep(0.5)
            assert progress["refused"] == 0
            assert progress["migrated"] + progress["already"] == REGION_SIZE

            # Once each, with the effect the dry-run listed.
            assert migrated(rig.engine, run) == REGION_SIZE
            effects = await api.http.get(
                f"/api/migrations/{run}/effects", headers=api.auth(Role.ADMIN)
            )
            assert {e["number"]: comparable(e) for e in effects.json()} == listed
            armed_ahead = 0
            for number in listed:
                view = (
                    await api.http.get(
                        f"/api/municipalities/{number}", headers=api.auth(Role.VIEWER)
                    )
                ).json()
                assert view["process_version"] == 2, number
                obligations = (
                    await api.http.get(
                        f"/api/municipalities/{number}/obligations", headers=api.auth(Role.VIEWER)
                    )
                ).json()
                active = {o["id"] for o in obligations if o["status"] in ACTIVE_OBLIGATION_STATUSES}
                # A paused party has what its version opens for the stage it paused from.
                stage = Stage(view["paused_from"] or view["stage"])
                opened_by_stage = {r.id.value for r in V2.obligations if stage in r.stages}
                assert opened_by_stage <= active, (number, stage, active)
                checklist = {item.id.value for item in V2.checklist}
                assert active <= opened_by_stage | checklist, (number, stage, active)
                # Its pending timers are what v2's policy arms for each deadline: every
                # reminder and escalation still ahead, none gone by before the run.
                for obligation in obligations:
                    armed = armed_by_v2(obligation)
                    pending = {
                        (m["message_key"], datetime.fromisoformat(m["at"]))
                        for m in obligation["pending"]
                    }
                    ahead = {(key, at) for key, at in armed if at > datetime.now(UTC)}
                    assert ahead <= pending <= armed, (number, obligation["id"])
                    assert all(at > run_started for _, at in pending), (number, obligation)
                    armed_ahead += len(ahead)
            assert armed_ahead > 0, "no pending timer was checked"
    finally:
        rig.close()
        print(rig.report())
