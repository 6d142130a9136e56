"""The REST API end to end: real worker on the time-skipping server, real SQLite.

Each test gets its own task queue, database and municipalities. Workflow ids
are global to the session's test server, so the municipalities here are
made-up ones with numbers from 9000-9999 (no real municipality has one),
never reused within the session, and terminated when the test ends (the `api`
fixture is in tests/api/conftest.py, `Api` in tests/helpers/api.py).
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import RegistrationInput
from onboarding.domain.parties.region import shipped_region
from onboarding.domain.process.machine import (
    ProcessContext,
    allowed_triggers,
    mermaid_diagram,
    transitions_by_trigger,
)
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import MUNICIPALITY, latest, process_definition
from onboarding.domain.report_milestones import milestones_together
from onboarding.domain.vocabulary import (
    EVIDENCE_FIELDS,
    MILESTONES,
    TERMINAL_STAGES,
    Stage,
    Trigger,
)
from onboarding.embedded.app import create_app
from onboarding.settings import Settings
from onboarding.store import projection, queries, tokens
from onboarding.store.database import make_engine
from onboarding.store.tables.access import ApiTokenRow
from onboarding.store.tokens import STAFF_ROLES, Role
from tests.helpers import EVIDENCE, V1
from tests.helpers.api import (
    EXERCISE,
    SIGN,
    Api,
    assert_rejected,
    fresh_number,
    terminate_started,
)
from workflows.names import party_workflow_id

CHECKLIST_ITEMS = [item.value for item in ChecklistItemId]


RESIGN = {
    "trigger": "require_resignature",
    "effective_on": "2019-08-29",
    "evidence": {"agreement_version": "2022"},
}


# -- auth -------------------------------------------------------------------------


async def test_no_token_is_401_with_error_body(api: Api) -> None:
    response = await api.http.get("/api/municipalities")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["error"] == "unauthorized"
    assert "bearer token" in body["message"]


@pytest.mark.parametrize(
    "header",
    ["Bearer onb_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer", "onb_no-scheme"],
)
async def test_bad_token_is_401(api: Api, header: str) -> None:
    response = await api.http.get("/api/municipalities", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def test_authentication_comes_before_validation(api: Api) -> None:
    response = await api.http.post("/api/municipalities/abc/transitions", json={"x": 1})
    assert response.status_code == 401


async def test_viewer_cannot_record_a_transition(api: Api) -> None:
    [number] = await api.start()
    response = await api.post(f"/api/municipalities/{number}/transitions", SIGN, role=Role.VIEWER)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "forbidden"
    assert "coordinator" in body["message"]
    assert api.history(number) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/users"), ("POST", "/api/users"), ("POST", "/api/region/load")],
)
async def test_coordinator_cannot_do_admin_things(api: Api, method: str, path: str) -> None:
    body = {"name": "Kari Nordmann", "role": "admin"} if path == "/api/users" else None
    response = await api.http.request(method, path, json=body, headers=api.auth(Role.COORDINATOR))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert len(tokens.list_tokens(api.engine)) == len(STAFF_ROLES)


async def test_revoked_token_is_401(api: Api) -> None:
    token, secret = tokens.create_token(api.engine, name="leaver", role=Role.VIEWER)
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await api.http.get("/api/municipalities", headers=headers)).status_code == 200
    assert token.id is not None
    response = await api.http.delete(f"/api/users/{token.id}", headers=api.auth(Role.ADMIN))
    assert response.status_code == 200, response.text
    assert response.json()["revoked_at"] is not None
    response = await api.http.get("/api/municipalities", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def test_expired_token_is_401(api: Api) -> None:
    _, secret = tokens.create_token(
        api.engine,
        name="temp",
        role=Role.ADMIN,
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    response = await api.http.get(
        "/api/municipalities", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 401


# -- municipalities -------------------------------------------------------------


async def test_list_municipalities_with_stage_filter(api: Api) -> None:
    first, second = await api.start(2)
    await api.move(first, SIGN)

    response = await api.get("/api/municipalities")
    assert response.status_code == 200
    listed = {m["number"]: m for m in response.json()}
    assert set(listed) == {first, second}
    assert listed[first]["stage"] == "collaboration_signed"
    assert listed[first]["last_transition"]["trigger"] == "sign_collaboration"
    assert listed[second] == {
        "number": second,
        "name": f"Testby {second}",
        "county": "Trøndelag",
        "health_trust": "St. Olavs hospital",
        "stage": "prospective",
        "paused_from": None,
        "last_transition": None,
    }

    response = await api.get("/api/municipalities", params={"stage": "collaboration_signed"})
    assert [m["number"] for m in response.json()] == [first]


async def test_list_with_unknown_stage_names_the_stage_and_the_allowed_ones(api: Api) -> None:
    body = assert_rejected(await api.get("/api/municipalities", params={"stage": "done"}), "stage")
    assert "prospective" in body["message"] and "withdrawn" in body["message"]


async def test_show_municipality_comes_from_the_workflow(api: Api) -> None:
    [number] = await api.start()
    response = await api.get(f"/api/municipalities/{number}")
    assert response.status_code == 200
    assert response.json() == {
        "number": number,
        "name": f"Testby {number}",
        "county": "Trøndelag",
        "health_trust": "St. Olavs hospital",
        "kind": "municipality",
        "org_number": None,
        "municipality_number": None,
        "specialty": None,
        "staff_count": None,
        "stage": "prospective",
        "paused_from": None,
        "allowed_triggers": ["sign_collaboration", "withdraw"],
        "last_transition": None,
        "process_version": 1,
        "wave_id": None,
        "go_live_at": None,
        "missed_go_live": None,
        "go_live_blockers": [
            "service agreement not signed",
            "not a member of a production wave",
            *(f"checklist item {item} not done" for item in CHECKLIST_ITEMS),
        ],
        # Municipal reforms (#20): not renumbered, not ended.
        "current_number": None,
        "ended_by_reform": None,
        "successors": [],
    }


@pytest.mark.parametrize("path", ["", "/history"])
async def test_unknown_municipality_is_404(api: Api, path: str) -> None:
    response = await api.get(f"/api/municipalities/{fresh_number()}{path}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("number", ["123", "12345", "50a1"])
async def test_number_must_have_four_digits(api: Api, number: str) -> None:
    assert_rejected(await api.get(f"/api/municipalities/{number}"), "number")
    assert_rejected(await api.post(f"/api/municipalities/{number}/transitions", SIGN), "number")


async def test_transition_answers_the_new_state_and_records_who(api: Api) -> None:
    [number] = await api.start()
    view = await api.move(number, {**SIGN, "comment": "signed in the council hall"})
    assert view["stage"] == "collaboration_signed"
    expected = allowed_triggers(ProcessContext(definition=V1, stage=Stage.COLLABORATION_SIGNED))
    assert view["allowed_triggers"] == [t.value for t in expected]
    last = view["last_transition"]
    assert last["seq"] == 1
    assert last["effective_on"] == "2017-03-15"
    assert last["comment"] == "signed in the council hall"
    coordinator = tokens.find_active_token(api.engine, secret=api.secrets[Role.COORDINATOR])
    assert coordinator is not None
    assert last["actor"] == {
        "id": f"token:{coordinator.id}",
        "name": "test coordinator",
        "role": "coordinator",
    }
    shown = (await api.get(f"/api/municipalities/{number}")).json()
    assert shown == view


async def test_history_lists_transitions_oldest_first(api: Api) -> None:
    [number] = await api.start()
    await api.move(number, SIGN)
    await api.move(number, EXERCISE)
    response = await api.get(f"/api/municipalities/{number}/history")
    assert response.status_code == 200
    records = response.json()
    assert [(r["seq"], r["trigger"], r["from_stage"], r["to_stage"]) for r in records] == [
        (1, "sign_collaboration", "prospective", "collaboration_signed"),
        (2, "exercise_option", "collaboration_signed", "option_exercised"),
    ]
    assert records == api.history(number)


async def test_refused_transition_is_409_with_allowed_triggers(api: Api) -> None:
    [number] = await api.start()
    response = await api.post(f"/api/municipalities/{number}/transitions", {"trigger": "go_live"})
    assert response.status_code == 409
    body = response.json()
    assert body == {
        "error": "invalid_transition",
        "message": body["message"],
        "trigger": "go_live",
        "stage": "prospective",
        "allowed_triggers": ["sign_collaboration", "withdraw"],
        "missing_conditions": [],
    }
    assert "go_live" in body["message"]
    assert api.history(number) == []


def _after_sign(body: dict[str, Any]) -> dict[str, Any]:
    return {"effective_on": "2020-01-01", **body}


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        pytest.param({"trigger": "exercise_option"}, "evidence.case_ref", id="missing-evidence"),
        pytest.param(
            {"trigger": "exercise_option", "evidence": {"case_ref": "2019/1", "colour": "red"}},
            "evidence.colour",
            id="unknown-evidence",
        ),
        pytest.param(
            {"trigger": "exercise_option", "evidence": {"case_ref": "   "}},
            "evidence.case_ref",
            id="blank-evidence",
        ),
        pytest.param({"trigger": "fly_to_the_moon"}, "trigger", id="unknown-trigger"),
        pytest.param({"evidence": {}}, "trigger", id="missing-trigger"),
        pytest.param({**EXERCISE, "effective_on": "2999-01-01"}, "effective_on", id="future-date"),
        pytest.param(
            {**EXERCISE, "effective_on": "2016-12-31"}, "effective_on", id="before-previous"
        ),
        pytest.param({**EXERCISE, "effective_on": "2019-02-30"}, "effective_on", id="bad-date"),
        pytest.param({**EXERCISE, "colour": "red"}, "colour", id="unknown-field"),
    ],
)
async def test_bad_request_is_422_naming_the_field_and_changes_nothing(
    api: Api, body: dict[str, Any], field_name: str
) -> None:
    [number] = await api.start()
    await api.move(number, SIGN)
    before = api.history(number)
    state_before = (await api.get(f"/api/municipalities/{number}")).json()

    response = await api.post(f"/api/municipalities/{number}/transitions", body)

    assert_rejected(response, field_name)
    assert api.history(number) == before
    assert (await api.get(f"/api/municipalities/{number}")).json() == state_before


async def test_validation_lists_every_fault(api: Api) -> None:
    [number] = await api.start()
    response = await api.post(
        f"/api/municipalities/{number}/transitions",
        {"trigger": "sign_collaboration", "effective_on": "soon", "comment": 5},
    )
    body = assert_rejected(response, "effective_on")
    fields = {e["field"] for e in body["errors"]}
    assert {"effective_on", "comment"} <= fields
    # What the trigger requires depends on the municipality's version of the
    # process: checked by its workflow once the request is well formed.
    response = await api.post(
        f"/api/municipalities/{number}/transitions", {"trigger": "sign_collaboration"}
    )
    body = assert_rejected(response, "evidence.agreement_version")
    assert "municipality v1" in body["message"]


async def test_the_evidence_required_is_the_municipalitys_versions(api: Api) -> None:
    [v1] = await api.start()
    [v2] = await api.start(process=latest(MUNICIPALITY))
    for number in (v1, v2):
        for trigger in ("sign_collaboration", "exercise_option", "start_preparation"):
            await api.move(number, {"trigger": trigger, "evidence": EVIDENCE[Trigger(trigger)]})
    signed = {"trigger": "sign_service_agreement", "evidence": {"document_ref": "ARK-1"}}
    view = await api.move(v1, signed)
    assert (view["stage"], view["process_version"]) == ("service_agreement_signed", 1)
    assert view["last_transition"]["process_version"] == 1
    refused = await api.post(f"/api/municipalities/{v2}/transitions", signed)
    assert refused.status_code == 409, refused.text
    assert refused.json()["allowed_triggers"] == [
        "decline",
        "sign_call_off_agreement",
        "pause",
        "withdraw",
    ]
    call_off = {"trigger": "sign_call_off_agreement", "evidence": {"document_ref": "ARK-2"}}
    body = assert_rejected(
        await api.post(f"/api/municipalities/{v2}/transitions", call_off), "evidence.signed_by"
    )
    assert "municipality v2" in body["message"]
    unknown = await api.post(f"/api/municipalities/{v1}/transitions", call_off)
    assert_rejected(unknown, "trigger")


async def test_unknown_number_is_404_and_never_reaches_temporal(api: Api) -> None:
    number = fresh_number()
    response = await api.post(f"/api/municipalities/{number}/transitions", SIGN)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    with pytest.raises(RPCError) as raised:
        await api.client.get_workflow_handle(party_workflow_id(number)).describe()
    assert raised.value.status == RPCStatusCode.NOT_FOUND


async def test_same_idempotency_key_twice_gives_the_same_answer_once(api: Api) -> None:
    [number] = await api.start()
    body = {**SIGN, "idempotency_key": "sign-2017"}
    first = await api.move(number, body)
    second = await api.move(number, body)
    assert second == first
    history = api.history(number)
    assert len(history) == 1
    assert history[0]["idempotency_key"] == "sign-2017"


async def test_idempotency_key_reused_for_another_trigger_is_422(api: Api) -> None:
    [number] = await api.start()
    await api.move(number, {**SIGN, "idempotency_key": "k-1"})
    response = await api.post(
        f"/api/municipalities/{number}/transitions", {**EXERCISE, "idempotency_key": "k-1"}
    )
    assert_rejected(response, "idempotency_key")
    assert len(api.history(number)) == 1


async def test_concurrent_conflicting_transitions_one_wins(api: Api) -> None:
    [number] = await api.start()
    await api.move(number, SIGN)
    path = f"/api/municipalities/{number}/transitions"
    responses = await asyncio.gather(api.post(path, EXERCISE), api.post(path, RESIGN))
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    loser = next(r.json() for r in responses if r.status_code == 409)
    assert loser["stage"] == winner["stage"]
    assert loser["allowed_triggers"] == winner["allowed_triggers"]
    history = api.history(number)
    assert [h["trigger"] for h in history] == [
        "sign_collaboration",
        winner["last_transition"]["trigger"],
    ]


# -- bulk -----------------------------------------------------------------------


async def test_bulk_reports_each_municipality_including_failures(api: Api) -> None:
    signed, fresh_a, fresh_b = await api.start(3)
    await api.move(signed, SIGN)
    unknown = fresh_number()
    numbers = [signed, fresh_a, unknown, fresh_b]

    response = await api.post("/api/bulk/transitions", {**SIGN, "numbers": numbers})

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["trigger"], result["requested"], result["succeeded"], result["failed"]) == (
        "sign_collaboration",
        4,
        2,
        2,
    )
    by_number = {r["number"]: r for r in result["results"]}
    assert [r["number"] for r in result["results"]] == numbers
    assert by_number[fresh_a] == {"number": fresh_a, "ok": True, "stage": "collaboration_signed"}
    assert by_number[fresh_b]["ok"] is True
    refused = by_number[signed]
    assert refused["ok"] is False
    assert refused["error"]["error"] == "invalid_transition"
    assert "exercise_option" in refused["error"]["allowed_triggers"]
    assert by_number[unknown]["error"]["error"] == "not_found"
    assert len(api.history(signed)) == 1


async def test_bulk_by_stage_with_idempotency_key(api: Api) -> None:
    numbers = await api.start(3)
    for number in numbers[:2]:
        await api.move(number, SIGN)
    body = {**EXERCISE, "stage": "collaboration_signed", "idempotency_key": "wave-1"}

    first = await api.post("/api/bulk/transitions", body)
    assert first.status_code == 200, first.text
    assert first.json()["succeeded"] == 2
    # A stage selects by number, like the list.
    assert [r["number"] for r in first.json()["results"]] == sorted(numbers[:2])
    for number in numbers[:2]:
        history = api.history(number)
        assert history[-1]["idempotency_key"] == f"wave-1:{number}"

    # Repeating by numbers (the stage has moved on) changes nothing and answers the same.
    again = await api.post(
        "/api/bulk/transitions",
        {**EXERCISE, "numbers": sorted(numbers[:2]), "idempotency_key": "wave-1"},
    )
    assert again.json()["results"] == first.json()["results"]
    assert [len(api.history(n)) for n in numbers] == [2, 2, 0]


@pytest.mark.parametrize(
    ("selection", "field_name"),
    [
        pytest.param({}, "numbers", id="neither"),
        pytest.param({"numbers": ["9999"], "stage": "prospective"}, "numbers", id="both"),
        pytest.param({"numbers": []}, "numbers", id="empty"),
        pytest.param({"numbers": ["1234", "1234"]}, "numbers", id="duplicate"),
        pytest.param({"numbers": ["12"]}, "numbers.0", id="bad-number"),
        pytest.param({"stage": "live"}, "stage", id="empty-stage"),
        pytest.param({"stage": "nowhere"}, "stage", id="unknown-stage"),
    ],
)
async def test_bulk_selection_must_be_exactly_one_non_empty(
    api: Api, selection: dict[str, Any], field_name: str
) -> None:
    [number] = await api.start()
    response = await api.post("/api/bulk/transitions", {**SIGN, **selection})
    assert_rejected(response, field_name)
    assert api.history(number) == []


async def test_bulk_validates_evidence_like_a_single_transition(api: Api) -> None:
    [number] = await api.start()
    malformed = await api.post(
        "/api/bulk/transitions",
        {"trigger": "sign_collaboration", "numbers": [number], "evidence": {"colour": "red"}},
    )
    assert_rejected(malformed, "evidence.colour")
    # What the trigger requires is each municipality's version's: refused per municipality.
    [v2] = await api.start(process=latest(MUNICIPALITY))
    for n in (number, v2):
        for trigger in ("sign_collaboration", "exercise_option", "start_preparation"):
            await api.move(n, {"trigger": trigger, "evidence": EVIDENCE[Trigger(trigger)]})
    response = await api.post(
        "/api/bulk/transitions",
        {
            "trigger": "sign_call_off_agreement",
            "numbers": [number, v2],
            "evidence": {"document_ref": "ARK-9"},
        },
    )
    assert response.status_code == 200, response.text
    by_number = {r["number"]: r for r in response.json()["results"]}
    assert by_number[number]["error"]["field"] == "trigger"  # v1 has no call-off agreement
    assert by_number[v2]["error"]["field"] == "evidence.signed_by"
    assert api.history(v2)[-1]["trigger"] == "start_preparation"


async def test_viewer_cannot_bulk(api: Api) -> None:
    [number] = await api.start()
    response = await api.post(
        "/api/bulk/transitions", {**SIGN, "numbers": [number]}, role=Role.VIEWER
    )
    assert response.status_code == 403
    assert api.history(number) == []


# -- reports --------------------------------------------------------------------


async def test_funnel_on_past_dates(api: Api) -> None:
    first, second, _third = await api.start(3)
    await api.move(first, SIGN)
    await api.move(first, EXERCISE)
    await api.move(second, {**SIGN, "effective_on": "2017-06-01"})

    async def funnel(as_of: str) -> dict[str, Any]:
        response = await api.get("/api/reports/funnel", params={"as_of": as_of})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["as_of"] == as_of
        assert body["total"] == 3
        assert set(body["stages"]) == {s.value for s in Stage}
        # Every kind together: a GP office's milestones beside a municipality's.
        assert list(body["reached"]) == [m.value for m in milestones_together()]
        return body

    before = await funnel("2016-12-31")
    assert before["stages"]["prospective"] == 3
    assert set(before["reached"].values()) == {0}

    signed = await funnel("2017-06-01")
    assert (signed["stages"]["prospective"], signed["stages"]["collaboration_signed"]) == (1, 2)
    assert signed["reached"]["collaboration_signed"] == 2

    later = await funnel("2020-01-01")
    assert later["stages"]["option_exercised"] == 1
    assert later["stages"]["collaboration_signed"] == 1
    assert later["reached"]["collaboration_signed"] == 2
    assert later["reached"]["option_exercised"] == 1
    assert later["reached"]["preparing"] == 0

    today = await api.get("/api/reports/funnel")
    assert today.json()["as_of"] == today_in_oslo().isoformat()
    assert today.json()["stages"] == later["stages"]


@pytest.mark.parametrize("as_of", ["2999-01-01", "2024-13-01", "yesterday"])
async def test_funnel_refuses_future_and_malformed_dates(api: Api, as_of: str) -> None:
    assert_rejected(await api.get("/api/reports/funnel", params={"as_of": as_of}), "as_of")


async def test_funnel_refuses_tomorrow(api: Api) -> None:
    tomorrow = (today_in_oslo() + timedelta(days=1)).isoformat()
    body = assert_rejected(
        await api.get("/api/reports/funnel", params={"as_of": tomorrow}), "as_of"
    )
    assert "future" in body["message"]


# -- the process ----------------------------------------------------------------


def assert_describes(described: dict[str, Any], process: ProcessDefinition) -> None:
    """The API's account of a version is the definition's, item by item."""
    assert described["key"] == process.key
    assert described["version"] == process.version
    assert [s["id"] for s in described["stages"]] == [s.value for s in process.stages]
    assert {s["id"] for s in described["stages"] if s["terminal"]} == {
        s.value for s in TERMINAL_STAGES
    }
    assert all(set(s["labels"]) == {"nb", "en"} for s in described["stages"])
    assert described["main_road"] == [s.value for s in process.main_road]
    edges = transitions_by_trigger(process)
    assert [t["id"] for t in described["triggers"]] == [t.value for t in process.triggers]
    for trigger_info in described["triggers"]:
        trigger = Trigger(trigger_info["id"])
        assert [(e["from"], e["to"]) for e in trigger_info["transitions"]] == [
            (src.value, dst.value) for src, dst in edges[trigger]
        ]
        assert trigger_info["required_evidence"] == list(process.required_evidence(trigger))
        for edge in trigger_info["transitions"]:
            assert f"{edge['from']} --> {edge['to']}: {trigger.value}" in described["mermaid"]
    assert described["milestones"] == [m.value for m in process.milestones]
    assert set(process.milestones) <= set(MILESTONES)
    assert set(described["evidence_fields"]) == set(EVIDENCE_FIELDS)
    assert [o["id"] for o in described["obligations"]] == [o.id.value for o in process.obligations]
    assert [(c["id"], c["days_before_go_live"]) for c in described["checklist"]] == [
        (c.id.value, c.days_before_go_live) for c in process.checklist
    ]
    assert described["mermaid"] == mermaid_diagram(process)


async def test_process_is_the_newest_version_read_off_the_registry(api: Api) -> None:
    response = await api.get("/api/process")
    assert response.status_code == 200
    assert_describes(response.json(), latest(MUNICIPALITY))
    assert response.json()["latest"] is True


async def test_every_version_is_listed_and_described(api: Api) -> None:
    listed = (await api.get("/api/processes")).json()
    # Every kind of party's process (issue #19), by key, oldest first per key.
    assert [(p["key"], p["version"], p["latest"]) for p in listed] == [
        ("gp_office", 1, True),
        ("hospital", 1, True),
        ("municipality", 1, False),
        ("municipality", 2, True),
        ("specialist", 1, True),
    ]
    assert all(p["changes"] and p["title"] for p in listed)
    for key, version in ((p["key"], p["version"]) for p in listed):
        response = await api.get(f"/api/processes/{key}/{version}")
        assert response.status_code == 200
        assert_describes(response.json(), process_definition(key, version))
    same = (await api.get("/api/processes/gp_office/1/diff?against=1")).json()
    assert (same["key"], same["changes"]) == ("gp_office", [])


async def test_the_diff_of_two_versions_names_what_changed(api: Api) -> None:
    response = await api.get("/api/processes/municipality/2/diff")
    assert response.status_code == 200
    diff = response.json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    items = {(c["part"], c["name"], c["change"]) for c in diff["changes"]}
    assert ("stage", "call_off_signed", "added") in items
    assert ("trigger", "sign_call_off_agreement", "added") in items
    assert (
        "transition",
        "sign_service_agreement: option_exercised -> service_agreement_signed",
        "removed",
    ) in items
    assert ("evidence", "sign_service_agreement", "changed") in items
    assert ("obligation", "sign_call_off_agreement", "added") in items
    assert ("checklist", "end_user_training_started", "changed") in items
    # A municipality may join a wave from call_off_signed, and pause there.
    rules = {c["name"]: c for c in diff["changes"] if c["part"] == "rule"}
    assert set(rules) == {"main_road", "pausable_stages", "wave_stages"}
    assert "call_off_signed" not in rules["wave_stages"]["before"]
    assert "call_off_signed" in rules["wave_stages"]["after"]
    same = (await api.get("/api/processes/municipality/2/diff?against=2")).json()
    assert same["changes"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/processes/municipality/9",
        "/api/processes/nursing_home/1",
        "/api/processes/municipality/2/diff?against=9",
        "/api/processes/municipality/1/diff",
    ],
)
async def test_an_unknown_version_is_404_naming_what_exists(api: Api, path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 404
    assert "municipality v1, municipality v2" in response.json()["message"]


# -- users ----------------------------------------------------------------------


async def test_admin_creates_and_lists_users(api: Api) -> None:
    response = await api.post(
        "/api/users", {"name": "  Kari Nordmann ", "role": "coordinator"}, role=Role.ADMIN
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "name", "role", "scope", "created_at", "expires_at", "token"}
    assert (created["name"], created["role"], created["expires_at"]) == (
        "Kari Nordmann",
        "coordinator",
        None,
    )
    assert created["token"].startswith("onb_")

    [number] = await api.start()
    response = await api.http.post(
        f"/api/municipalities/{number}/transitions",
        json=SIGN,
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    assert response.status_code == 200
    assert response.json()["last_transition"]["actor"]["id"] == f"token:{created['id']}"

    listed = (await api.get("/api/users", role=Role.ADMIN)).json()
    assert [u["name"] for u in listed] == [
        "test viewer",
        "test coordinator",
        "test admin",
        "Kari Nordmann",
    ]
    assert all(
        set(u) == {"id", "name", "role", "scope", "created_at", "expires_at", "revoked_at"}
        for u in listed
    )
    assert created["token"] not in response.text


async def test_user_with_unknown_role_is_422_naming_the_roles(api: Api) -> None:
    response = await api.post("/api/users", {"name": "Ola", "role": "superuser"}, role=Role.ADMIN)
    body = assert_rejected(response, "role")
    assert all(role.value in body["message"] for role in Role)
    assert len(tokens.list_tokens(api.engine)) == len(STAFF_ROLES)


async def test_user_expiry_must_be_in_the_future(api: Api) -> None:
    response = await api.post(
        "/api/users",
        {"name": "Ola", "role": "viewer", "expires_at": "2020-01-01T00:00:00"},
        role=Role.ADMIN,
    )
    assert_rejected(response, "expires_at")
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    response = await api.post(
        "/api/users",
        {"name": "Ola", "role": "viewer", "expires_at": expires.isoformat()},
        role=Role.ADMIN,
    )
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["expires_at"]) == expires


async def test_a_token_cannot_revoke_itself_and_unknown_ids_are_404(api: Api) -> None:
    admin = tokens.find_active_token(api.engine, secret=api.secrets[Role.ADMIN])
    assert admin is not None
    response = await api.http.delete(f"/api/users/{admin.id}", headers=api.auth(Role.ADMIN))
    assert_rejected(response, "token_id")
    response = await api.http.delete("/api/users/9999", headers=api.auth(Role.ADMIN))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# -- region, health, OpenAPI, errors ---------------------------------------------


async def test_region_load_starts_every_shipped_municipality_once(
    client: Client, sqlite_engine: Engine, tmp_path: Path, task_queue: str
) -> None:
    # No worker on this queue: the workflows are started, never run, and
    # terminated at the end, so 67 of them cost the test server nothing.
    settings = Settings(home=tmp_path, task_queue=task_queue)
    _, secret = tokens.create_token(sqlite_engine, name="admin", role=Role.ADMIN)
    app = create_app(settings, client=client, engine=sqlite_engine)
    numbers = [m.number for m in shipped_region()]
    handle = client.get_workflow_handle(party_workflow_id("5001"))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test"
        ) as http:
            headers = {"Authorization": f"Bearer {secret}"}
            response = await http.post("/api/region/load", headers=headers)
            assert response.status_code == 200, response.text
            assert response.json() == {"loaded": 67}
            first = await handle.describe()
            assert first.status == WorkflowExecutionStatus.RUNNING

            again = await http.post("/api/region/load", headers=headers)
            assert again.json() == {"loaded": 67}
            assert (await handle.describe()).run_id == first.run_id
    finally:
        await terminate_started(client, numbers, task_queue)


async def test_health_is_ok_without_a_token(api: Api) -> None:
    response = await api.http.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


class _DeadHandle:
    """A workflow handle whose server is gone."""

    async def query(self, *_: Any, **__: Any) -> Any:
        raise RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")

    async def execute_update(self, *_: Any, **__: Any) -> Any:
        raise RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")


class _DeadServiceClient:
    async def check_health(self, *_: Any, **__: Any) -> bool:
        raise RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")


class _DeadTemporal:
    """A Temporal client whose server is gone (a real one takes seconds to notice)."""

    service_client = _DeadServiceClient()

    def get_workflow_handle_for(self, *_: Any, **__: Any) -> _DeadHandle:
        return _DeadHandle()

    async def start_workflow(self, *_: Any, **__: Any) -> Any:
        raise RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")


@pytest.fixture
async def dead_temporal_api(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(home=tmp_path, task_queue="unused")
    secrets = {
        role: tokens.create_token(sqlite_engine, name=role.value, role=role)[1]
        for role in STAFF_ROLES
    }
    dead: Any = _DeadTemporal()
    app = create_app(settings, client=dead, engine=sqlite_engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as http:
        yield Api(app, http, sqlite_engine, dead, settings, secrets)


def _registered(engine: Engine) -> str:
    """A municipality in the read model only (its workflow is out of reach)."""
    number = fresh_number()
    projection.register_municipality(
        engine,
        RegistrationInput(
            municipality=Municipality(
                number=number, name="Testby", county="Trøndelag", health_trust="St. Olavs hospital"
            ),
            workflow_id=party_workflow_id(number),
            run_id="none",
        ),
    )
    return number


async def test_engine_unavailable_is_503(dead_temporal_api: Api) -> None:
    api = dead_temporal_api
    number = _registered(api.engine)
    for response in (
        await api.get(f"/api/municipalities/{number}"),
        await api.post(f"/api/municipalities/{number}/transitions", SIGN),
        await api.http.post("/api/region/load", headers=api.auth(Role.ADMIN)),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "engine_unavailable"
    # Reads from SQL still work.
    assert (await api.get("/api/municipalities")).status_code == 200
    health = (await api.http.get("/api/health")).json()
    assert health == {"status": "degraded", "database": "ok", "temporal": "unavailable"}
    # The readiness probe takes the replica out of rotation; liveness keeps it running.
    ready = await api.http.get("/api/health/ready")
    assert (ready.status_code, ready.json()["temporal"]) == (503, "unavailable")


class _SilentHandle(_DeadHandle):
    """A workflow handle whose updates are sent but whose outcome never comes back."""

    async def execute_update(self, *_: Any, **__: Any) -> Any:
        raise WorkflowUpdateRPCTimeoutOrCancelledError()


class _SilentTemporal(_DeadTemporal):
    def get_workflow_handle_for(self, *_: Any, **__: Any) -> _SilentHandle:
        return _SilentHandle()

    def get_workflow_handle(self, *_: Any, **__: Any) -> _SilentHandle:
        return _SilentHandle()


async def test_an_update_whose_outcome_is_lost_is_503_repeat_it(
    dead_temporal_api: Api,
) -> None:
    # A worker killed while holding an update: the client gives up polling for
    # its outcome. The API must say so (503, repeat it), not fail with a 500.
    api = dead_temporal_api
    silent: Any = _SilentTemporal()
    api.app.state.temporal = silent
    number = _registered(api.engine)
    for response in (
        await api.post(f"/api/municipalities/{number}/transitions", SIGN),
        await api.post("/api/waves/any-wave/members", {"number": number}),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "engine_unavailable"
        assert "repeat it" in response.json()["message"]


async def test_database_unavailable(client: Client, tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path}/missing/dir/onboarding.db")
    app = create_app(Settings(home=tmp_path), client=client, engine=broken)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as http:
        health = (await http.get("/api/health")).json()
        assert health == {"status": "degraded", "database": "unavailable", "temporal": "ok"}
        assert (await http.get("/api/health/ready")).status_code == 503
        response = await http.get(
            "/api/municipalities", headers={"Authorization": "Bearer onb_whatever"}
        )
        assert response.status_code == 503
        assert response.json()["error"] == "database_unavailable"
    broken.dispose()


async def test_openapi_documents_routes_auth_and_errors(api: Api) -> None:
    response = await api.http.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    post = spec["paths"]["/api/municipalities/{number}/transitions"]["post"]
    assert {"200", "401", "403", "404", "409", "422", "503"} <= set(post["responses"])
    # One schema for every 409 the API gives; a refused transition is one of them.
    conflicts = post["responses"]["409"]["content"]["application/json"]["schema"]["anyOf"]
    assert any(c["$ref"].endswith("/RefusedBody") for c in conflicts), conflicts
    for path in (
        "/api/health",
        "/api/municipalities",
        "/api/municipalities/{number}/history",
        "/api/bulk/transitions",
        "/api/reports/funnel",
        "/api/process",
        "/api/users",
        "/api/region/load",
    ):
        assert path in spec["paths"]


async def test_unknown_route_has_an_error_body(api: Api) -> None:
    response = await api.get("/api/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not Found"}
    response = await api.http.delete("/api/process", headers=api.auth(Role.ADMIN))
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


async def test_unexpected_error_is_500_with_an_error_body(api: Api) -> None:
    # A role the code does not know can only come from a hand-edited table.
    with Session(api.engine) as session:
        session.add(
            ApiTokenRow(
                name="odd",
                role="root",
                token_hash=tokens.hash_secret("onb_odd"),
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        response = await http.get(
            "/api/municipalities", headers={"Authorization": "Bearer onb_odd"}
        )
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"


async def test_lifespan_opens_its_own_database_and_temporal_client(
    client: Client, tmp_path: Path
) -> None:
    home = tmp_path / "new-home"
    settings = Settings(
        home=home,
        temporal_address=client.service_client.config.target_host,
        temporal_namespace=client.namespace,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert (home / "onboarding.db").exists()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test"
        ) as http:
            response = await http.get("/api/health")
            ready = await http.get("/api/health/ready")
            metrics = await http.get("/metrics")
        assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}
        assert ready.status_code == 200
        assert metrics.status_code == 200
        assert (
            'onboarding_api_requests_total{method="GET",route="/api/health/ready"' in metrics.text
        )


async def test_api_counts_requests_by_route_template(api: Api) -> None:
    before = _requests(
        method="GET",
        route="/api/municipalities/{number}",
        status="404",
    )
    for number in ("9901", "9902"):
        response = await api.get(f"/api/municipalities/{number}")
        assert response.status_code == 404
    await api.http.get("/no/such/path")
    assert (
        _requests(
            method="GET",
            route="/api/municipalities/{number}",
            status="404",
        )
        == before + 2
    )
    assert _requests(method="GET", route="unmatched", status="404")
    metrics = await api.http.get("/metrics")
    assert "onboarding_api_requests_total" in metrics.text


def _requests(**labels: str) -> float:
    return REGISTRY.get_sample_value("onboarding_api_requests_total", labels) or 0.0


async def test_a_process_version_must_be_a_whole_number_not_true_or_false(api: Api) -> None:
    """JSON's `true` is refused where a version is asked for (pydantic would take it as 1)."""
    for path in ("/api/region/load", "/api/region/history/load"):
        response = await api.http.post(
            path, json={"process_version": True}, headers=api.auth(Role.ADMIN)
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "process_version", response.text
    assert queries.list_municipalities(api.engine) == []
