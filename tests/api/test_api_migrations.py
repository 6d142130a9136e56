"""Process migrations through the API: dry-run, apply, progress, and the dry-run equal to the apply.

On the module's time-skipping server with a real worker, on SQLite and on
PostgreSQL. Running parties are on version 1; the plan moves them to version
2, and a policy change moves the 60-day reminder to 45 days.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.migrations.run import MigrationRunInput
from onboarding.domain.municipality import Municipality
from onboarding.domain.process.migration_plan import MigrationPlan
from onboarding.domain.process.registry import MUNICIPALITY, latest
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway import parties as party_gateway
from onboarding.history.log import timeline
from onboarding.store import queries
from onboarding.store.tokens import Role
from tests.api.conftest import served_api
from tests.helpers import ACTOR, EVIDENCE, V1
from tests.helpers.api import EXERCISE, SIGN, Api, fresh_number, wave_body
from tests.helpers.parties import gp_office
from workflows.migration import MigrationWorkflow
from workflows.names import migration_workflow_id


@pytest.fixture
async def api(
    client: Client, task_queue: str, sql_engine: Engine, tmp_path: Path
) -> AsyncIterator[Api]:
    """The `api` harness of tests/api, on SQLite and on PostgreSQL."""
    async with served_api(client, task_queue, sql_engine, tmp_path) as harness:
        yield harness


async def drive(api: Api, number: str, *triggers: Trigger) -> None:
    for trigger in triggers:
        await api.move(number, {"trigger": trigger.value, "evidence": EVIDENCE[trigger]})


async def deadline(api: Api, number: str, obligation: str, days: int) -> None:
    day = today_in_oslo() + timedelta(days=days)
    response = await api.http.put(
        f"/api/municipalities/{number}/obligations/{obligation}",
        json={"deadline": day.isoformat(), "reason": "the program's date"},
        headers=api.auth(Role.COORDINATOR),
    )
    assert response.status_code == 200, response.text


async def admin_post(api: Api, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return await api.http.post(path, json=body, headers=api.auth(Role.ADMIN))


async def finished(api: Api, migration_id: str, timeout: float = 60) -> dict[str, Any]:
    limit = time.monotonic() + timeout
    while True:
        response = await api.http.get(
            f"/api/migrations/{migration_id}/progress", headers=api.auth(Role.ADMIN)
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["finished"]:
            return body
        assert time.monotonic() < limit, f"migration {migration_id} did not finish: {body}"
        await asyncio.sleep(0.1)


def fresh_id(prefix: str) -> str:
    """A migration id no other test on the module's server has used."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def comparable(effect: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in effect.items() if k not in ("recorded_at", "already_applied")}


async def test_the_dry_run_is_what_the_apply_then_does(api: Api) -> None:
    preparing, signed, exercised = await api.start(3)
    await drive(api, preparing, Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION)
    await deadline(api, preparing, "sign_service_agreement", 200)
    await drive(api, preparing, Trigger.START_PREPARATION)
    await drive(api, signed, Trigger.SIGN_COLLABORATION)
    await deadline(api, signed, "exercise_option", 90)
    await drive(api, exercised, Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION)
    run = fresh_id("v1-to-v2")
    plan = {"id": run, "to_version": 2, "reason": "the call-off agreement is a step"}
    body = {"plan": plan, "selection": {"numbers": [preparing, signed, exercised]}}

    dry = await admin_post(api, "/api/migrations/dry-run", body)
    assert dry.status_code == 200, dry.text
    preview = dry.json()
    assert (preview["parties"], preview["fit"], preview["refused"]) == (3, 3, 0)
    by_number = {p["number"]: p["effect"] for p in preview["previews"]}
    # The one preparing: its service agreement waits for the call-off agreement now.
    assert by_number[preparing]["obligations_cancelled"] == ["sign_service_agreement"]
    assert by_number[preparing]["obligations_opened"] == ["sign_call_off_agreement"]
    assert {t["change"] for t in by_number[preparing]["timers"]} == {"cancelled"}
    assert by_number[signed]["timers"] == [], "its option deadline is the same in v2"
    assert preview["timers"]["cancelled"] == len(by_number[preparing]["timers"])
    # A dry-run changes nothing.
    assert (await api.get(f"/api/municipalities/{preparing}")).json()["process_version"] == 1

    yesterday = (today_in_oslo() - timedelta(days=1)).isoformat()
    reports = (
        "/api/reports/funnel",
        f"/api/reports/funnel?as_of={yesterday}",
        f"/api/reports/stages?as_of={yesterday}",
        "/api/reports/stages",
    )
    reports_before = [(await api.get(path)).json() for path in reports]
    started = await admin_post(api, "/api/migrations", body)
    assert started.status_code == 202, started.text
    progress = await finished(api, run)
    # Where the region stood, today and before, is unchanged by moving it to another version.
    assert [(await api.get(path)).json() for path in reports] == reports_before
    assert (progress["total"], progress["migrated"], progress["refused"]) == (3, 3, 0)
    effects = (
        await api.http.get(f"/api/migrations/{run}/effects", headers=api.auth(Role.ADMIN))
    ).json()
    assert {e["number"]: comparable(e) for e in effects} == {
        n: comparable(e) for n, e in by_number.items()
    }
    for number in (preparing, signed, exercised):
        view = (await api.get(f"/api/municipalities/{number}")).json()
        assert view["process_version"] == 2
    obligations = (await api.get(f"/api/municipalities/{preparing}/obligations")).json()
    status = {o["id"]: o["status"] for o in obligations}
    assert status["sign_service_agreement"] == "cancelled"
    assert status["sign_call_off_agreement"] == "open"
    # The migration is on the party's timeline and in the audit log, naming the admin
    # and the reason; and the v2 road is open to it.
    kinds = [e.kind for e in timeline(api.engine, number=preparing)]
    assert "process_migration" in kinds
    audit = await api.http.get(
        "/api/audit",
        params={"kind": "process_migration", "municipality": preparing},
        headers=api.auth(Role.ADMIN),
    )
    assert audit.status_code == 200, audit.text
    [entry] = audit.json()["items"]
    assert entry["details"]["migration_id"] == run
    assert (entry["details"]["from_version"], entry["details"]["to_version"]) == (1, 2)
    assert entry["actor"]["role"] == "admin" and entry["comment"] == plan["reason"]
    await api.move(
        preparing,
        {
            "trigger": "sign_call_off_agreement",
            "evidence": EVIDENCE[Trigger.SIGN_CALL_OFF_AGREEMENT],
        },
    )
    # Each migration id once: a second apply is refused, and repeating changes nothing.
    again = await admin_post(api, "/api/migrations", body)
    assert again.status_code == 409 and again.json()["migration_id"] == run


async def test_moving_the_60_day_reminder_to_45_rearms_what_the_dry_run_listed(api: Api) -> None:
    [number] = await api.start(process=latest(MUNICIPALITY))
    await drive(api, number, Trigger.SIGN_COLLABORATION)
    await deadline(api, number, "exercise_option", 100)
    run = fresh_id("reminders-45")
    plan = {
        "id": run,
        "to_version": 2,
        "reason": "the program reminds later",
        "policy": {"reminder_offsets_days": [45, 30, 7]},
    }
    body = {"plan": plan, "selection": {"numbers": [number]}}
    preview = (await admin_post(api, "/api/migrations/dry-run", body)).json()
    [effect] = [p["effect"] for p in preview["previews"]]
    changes = {(t["message_key"], t["change"]) for t in effect["timers"]}
    assert changes == {("reminder-60d", "cancelled"), ("reminder-45d", "rearmed")}

    async def pending() -> dict[str, str]:
        [obligation] = [
            o
            for o in (await api.get(f"/api/municipalities/{number}/obligations")).json()
            if o["id"] == "exercise_option"
        ]
        return {m["message_key"]: m["at"] for m in obligation["pending"]}

    before = await pending()
    assert (await admin_post(api, "/api/migrations", body)).status_code == 202
    await finished(api, run)
    effects = (
        await api.http.get(f"/api/migrations/{run}/effects", headers=api.auth(Role.ADMIN))
    ).json()
    assert [comparable(e) for e in effects] == [comparable(effect)]
    # Exactly what the dry-run listed moved: the 60-day reminder gone, the 45-day one
    # armed at the instant listed, the other reminders and the escalations as they were.
    rearmed = {t["message_key"]: t["after"] for t in effect["timers"] if t["change"] == "rearmed"}
    expected = {k: v for k, v in before.items() if k != "reminder-60d"} | rearmed
    after = await pending()
    assert set(after) == set(expected)
    assert {k for k in after if k.startswith("reminder")} == {
        "reminder-45d",
        "reminder-30d",
        "reminder-7d",
    }
    for key, at in after.items():
        assert datetime.fromisoformat(at) == datetime.fromisoformat(expected[key]), key


async def test_a_plan_that_does_not_fit_is_refused_per_party_and_by_field(api: Api) -> None:
    [v1] = await api.start()
    [v2] = await api.start(process=latest(MUNICIPALITY))
    body = {
        "plan": {"id": "back-to-v1", "to_version": 1, "reason": "no"},
        "selection": {"numbers": [v1, v2]},
    }
    preview = (await admin_post(api, "/api/migrations/dry-run", body)).json()
    errors = {p["number"]: p["error"] for p in preview["previews"]}
    assert errors[v2]["field"] == "to_version"  # a migration moves forward only
    assert errors[v1]["field"] == "to_version"  # v1 to v1 changes nothing
    bad = await admin_post(api, "/api/migrations/dry-run", {**body, "selection": {}})
    assert bad.status_code == 422 and bad.json()["field"] == "selection"
    # What can be checked of a plan before any party is checked first: nothing starts,
    # and its id stays unused.
    for plan, field in (
        ({"id": "to-v9", "to_version": 9, "reason": "no"}, "to_version"),
        ({"id": "to-v9", "key": "nursing_home", "to_version": 1, "reason": "no"}, "key"),
        (
            {"id": "to-v9", "to_version": 2, "reason": "no", "stage_map": {"preparing": "live"}},
            "stage_map.preparing",
        ),
    ):
        for path in ("/api/migrations/dry-run", "/api/migrations"):
            refused = await admin_post(api, path, {**body, "plan": plan})
            assert refused.status_code == 422, refused.text
            assert refused.json()["field"] == field
    unused = await api.http.get("/api/migrations/to-v9/progress", headers=api.auth(Role.ADMIN))
    assert unused.status_code == 404
    coordinator = await api.http.post(
        "/api/migrations/dry-run", json=body, headers=api.auth(Role.COORDINATOR)
    )
    assert coordinator.status_code == 403
    missing = await api.http.get(
        "/api/migrations/no-such-run/progress", headers=api.auth(Role.ADMIN)
    )
    assert missing.status_code == 404


async def load(api: Api, county: str, health_trust: str) -> str:
    """One version-1 municipality of `county` and `health_trust`, its row written."""
    number = fresh_number()
    api.started.append(number)
    municipality = Municipality(
        number=number, name=f"Testby {number}", county=county, health_trust=health_trust
    )
    await party_gateway.load_region(
        api.client, [municipality], task_queue=api.settings.task_queue, process=V1
    )
    limit = time.monotonic() + 10
    while queries.get_municipality(api.engine, number=number) is None:
        assert time.monotonic() < limit, f"the row of {number} never appeared"
        await asyncio.sleep(0.02)
    return number


async def test_a_selection_by_stage_county_health_trust_or_wave_names_those_parties(
    api: Api,
) -> None:
    # Names no other test on the module's server uses, so each filter sees these alone.
    county, other_county = f"Fylke {uuid.uuid4().hex[:6]}", f"Fylke {uuid.uuid4().hex[:6]}"
    trust, other_trust = f"Helse {uuid.uuid4().hex[:6]}", f"Helse {uuid.uuid4().hex[:6]}"
    optioned = await load(api, county, trust)
    prospective = await load(api, county, trust)
    elsewhere = await load(api, county, other_trust)
    other = await load(api, other_county, trust)
    for body in (SIGN, EXERCISE):
        await api.move(optioned, body)
    wave = (await api.post("/api/waves", wave_body())).json()
    joined = await api.post(f"/api/waves/{wave['id']}/members", {"number": optioned})
    assert joined.status_code in (200, 201), joined.text

    async def selected(selection: dict[str, Any]) -> set[str]:
        plan = {"id": fresh_id("select"), "to_version": 2, "reason": "which ones"}
        body = {"plan": plan, "selection": selection}
        response = await admin_post(api, "/api/migrations/dry-run", body)
        assert response.status_code == 200, response.text
        return {p["number"] for p in response.json()["previews"]}

    assert await selected({"county": county}) == {optioned, prospective, elsewhere}
    assert await selected({"health_trust": trust}) == {optioned, prospective, other}
    assert await selected({"county": county, "health_trust": trust}) == {optioned, prospective}
    assert await selected({"county": county, "stage": "option_exercised"}) == {optioned}
    assert await selected({"wave_id": wave["id"]}) == {optioned}
    assert await selected({"numbers": [other, elsewhere]}) == {other, elsewhere}
    nobody = await admin_post(
        api,
        "/api/migrations/dry-run",
        {
            "plan": {"id": fresh_id("select"), "to_version": 2, "reason": "none"},
            "selection": {"county": other_county, "stage": "option_exercised"},
        },
    )
    assert nobody.status_code == 422 and nobody.json()["field"] == "selection"


async def test_a_paused_run_migrates_nobody_until_it_is_resumed(api: Api) -> None:
    numbers = await api.start(3)
    run = fresh_id("paused")
    plan = MigrationPlan(id=run, to_version=2, reason="the call-off step")
    # Started paused, as an admin's pause before its first batch leaves it.
    await api.client.start_workflow(
        MigrationWorkflow.run,
        MigrationRunInput(plan=plan, actor=ACTOR, numbers=numbers, paused=True),
        id=migration_workflow_id(run),
        task_queue=api.settings.task_queue,
    )
    path = f"/api/migrations/{run}"
    paused = (await api.http.get(f"{path}/progress", headers=api.auth(Role.ADMIN))).json()
    assert (paused["paused"], paused["finished"], paused["done"], paused["total"]) == (
        True,
        False,
        0,
        3,
    )
    await asyncio.sleep(1)
    still = (await admin_post(api, f"{path}/pause")).json()
    assert (still["paused"], still["done"]) == (True, 0)
    for number in numbers:
        assert (await api.get(f"/api/municipalities/{number}")).json()["process_version"] == 1
    resumed = await admin_post(api, f"{path}/resume")
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
    progress = await finished(api, run)
    assert (progress["migrated"], progress["refused"], progress["failed"]) == (3, 0, 0)
    assert sorted(o["number"] for o in progress["outcomes"]) == sorted(numbers)
    for number in numbers:
        assert (await api.get(f"/api/municipalities/{number}")).json()["process_version"] == 2
    # A finished run is answered as it is.
    after = (await admin_post(api, f"{path}/pause")).json()
    assert (after["finished"], after["paused"], after["migrated"]) == (True, False, 3)


async def test_a_gp_offices_policy_changes_by_its_own_process_and_its_id(api: Api) -> None:
    county = f"Fylke {uuid.uuid4().hex[:6]}"
    home = await load(api, county, f"Helse {uuid.uuid4().hex[:6]}")
    office = (await api.post("/api/parties", gp_office(home))).json()["number"]
    api.started.append(office)
    plan = {
        "id": fresh_id("gp-45"),
        "key": "gp_office",
        "to_version": 1,
        "reason": "the offices are reminded later",
        "policy": {"reminder_offsets_days": [45, 30, 7]},
    }
    # The plan's key chooses whom a filter selects: the office, not its municipality.
    by_county = await admin_post(
        api, "/api/migrations/dry-run", {"plan": plan, "selection": {"county": county}}
    )
    assert by_county.status_code == 200, by_county.text
    assert [p["number"] for p in by_county.json()["previews"]] == [office]
    body = {"plan": plan, "selection": {"numbers": [office]}}
    preview = (await admin_post(api, "/api/migrations/dry-run", body)).json()
    [effect] = [p["effect"] for p in preview["previews"]]
    assert (effect["number"], effect["from_version"], effect["to_version"]) == (office, 1, 1)
    assert (await admin_post(api, "/api/migrations", body)).status_code == 202
    progress = await finished(api, plan["id"])
    assert (progress["migrated"], progress["refused"]) == (1, 0)
    effects = (
        await api.http.get(f"/api/migrations/{plan['id']}/effects", headers=api.auth(Role.ADMIN))
    ).json()
    assert [comparable(e) for e in effects] == [comparable(effect)]
    # A municipality is not on the GP offices' process: named, nothing started.
    wrong = await admin_post(
        api, "/api/migrations/dry-run", {"plan": plan, "selection": {"numbers": [home]}}
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "selection.numbers"
    assert home in wrong.json()["message"] and "gp_office" in wrong.json()["message"]
