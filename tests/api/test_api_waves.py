"""The waves API end to end: create, members, checklist, guard, reschedule, decision, blockers."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.checklist import ChecklistItemId
from onboarding.store.tokens import Role
from tests.helpers.api import (
    AUTUMN,
    AUTUMN_DAY,
    EXERCISE,
    SIGN,
    SPRING,
    SPRING_DAY,
    Api,
    assert_rejected,
    wave_body,
)

ITEMS = [item.value for item in ChecklistItemId]
SIGN_AGREEMENT = {"trigger": "sign_service_agreement", "evidence": {"document_ref": "ARK-1"}}


async def create(api: Api, **overrides: Any) -> dict[str, Any]:
    response = await api.post("/api/waves", wave_body(**overrides))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def delete(api: Api, path: str, role: Role = Role.COORDINATOR) -> httpx.Response:
    return await api.http.delete(path, headers=api.auth(role))


async def optioned(api: Api, *more: dict[str, Any]) -> str:
    [number] = await api.start()
    for body in (SIGN, EXERCISE, *more):
        await api.move(number, body)
    return number


async def test_several_items_done_in_one_request_all_or_none(api: Api) -> None:
    wave = await create(api)
    number = await optioned(api, SIGN_AGREEMENT)
    added = await api.post(f"/api/waves/{wave['id']}/members", {"number": number})
    assert added.status_code == 200, added.text
    path = f"/api/municipalities/{number}/checklist"
    today = today_in_oslo()
    earlier, tomorrow = (today - timedelta(days=3)).isoformat(), today + timedelta(days=1)
    first, second, third = ({"item": item} for item in ITEMS[:3])

    async def done() -> dict[str, Any]:
        items = (await api.get(path)).json()["items"]
        return {i["id"]: i["done"]["done_on"] for i in items if i["done"] is not None}

    # One item refused refuses them all, named as in the body; nothing is done.
    future = {**second, "done_on": tomorrow.isoformat()}
    assert_rejected(await api.post(path, {"items": [first, future]}), "items.1.done_on")
    assert_rejected(await api.post(path, {"items": [first, {"item": "coffee"}]}), "items.1.item")
    assert_rejected(await api.post(path, {"items": [first, second, first]}), "items.2.item")
    assert_rejected(await api.post(path, {"items": []}), "items")
    coloured = {"items": [{**first, "colour": "blue"}]}
    assert_rejected(await api.post(path, coloured), "items.0.colour")
    assert await done() == {}

    evidence = {"document_ref": "ROS-7"}
    answer = await api.post(
        path, {"items": [{**first, "done_on": earlier, "evidence": evidence}, second]}
    )
    assert answer.status_code == 200, answer.text
    checklist = answer.json()
    assert checklist["wave_id"] == wave["id"]
    by_id = {i["id"]: i for i in checklist["items"]}
    assert by_id[ITEMS[0]]["done"]["evidence"] == evidence
    assert by_id[ITEMS[1]]["done"]["actor"]["role"] == "coordinator"
    assert await done() == {ITEMS[0]: earlier, ITEMS[1]: today.isoformat()}

    # A repeat changes nothing; a done item with another date is refused, with the rest.
    again = await api.post(path, {"items": [{**first, "done_on": earlier}, second]})
    assert again.status_code == 200, again.text
    rewritten = [{**first, "done_on": today.isoformat()}, third]
    assert_rejected(await api.post(path, {"items": rewritten}), "items.0.done_on")
    assert await done() == {ITEMS[0]: earlier, ITEMS[1]: today.isoformat()}
    timeline = (await api.get(f"/api/municipalities/{number}/timeline")).json()
    assert [e["kind"] for e in timeline].count("checklist_completion") == 2

    rest = await api.post(path, {"items": [{"item": item} for item in ITEMS[2:]]})
    assert rest.status_code == 200, rest.text
    assert rest.json()["go_live_blockers"] == []
    ready = await api.move(number, {"trigger": "approve_go_live"})
    assert ready["stage"] == "ready"


async def test_create_list_and_show_a_wave(api: Api) -> None:
    wave = await create(api, health_trust="Helse Møre og Romsdal HF")
    assert (wave["status"], wave["go_live_at"]) == ("planned", SPRING)
    listed = (await api.get("/api/waves")).json()
    assert [(w["id"], w["go_live_at"], w["members"]) for w in listed] == [(wave["id"], SPRING, 0)]
    shown = (await api.get(f"/api/waves/{wave['id']}")).json()
    assert shown["health_trust"] == "Helse Møre og Romsdal HF"
    assert [d["go_live_at"] for d in shown["dates"]] == [SPRING]
    assert [e["kind"] for e in shown["history"]] == ["created"]
    again = await api.post("/api/waves", wave_body(id=wave["id"]))
    assert again.status_code == 409 and again.json()["error"] == "invalid_wave_state"


async def test_wave_requests_are_checked_naming_the_field(api: Api) -> None:
    assert_rejected(
        await api.post("/api/waves", wave_body(go_live_at="2022-05-07T06:00:00+02:00")),
        "go_live_at",
    )
    # A future go-live without its UTC offset.
    assert_rejected(await api.post("/api/waves", wave_body(go_live_at=SPRING[:-6])), "go_live_at")
    assert_rejected(await api.post("/api/waves", wave_body(id="Not An Id")), "id")
    assert_rejected(await api.post("/api/waves", wave_body(colour="blue")), "colour")
    past = await api.post(
        "/api/waves",
        wave_body(go_live_at="2022-05-07T06:00:00+02:00", recorded_after_the_fact=True),
    )
    assert past.status_code == 201, past.text
    assert (await api.get("/api/waves/no-such-wave")).status_code == 404
    [number] = await api.start()
    missing = await api.post("/api/waves/no-such-wave/members", {"number": number})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_roles_reads_for_viewers_writes_for_coordinators(api: Api) -> None:
    wave = await create(api)
    forbidden = await api.post("/api/waves", wave_body(), role=Role.VIEWER)
    assert forbidden.status_code == 403
    for path in ("/api/waves", f"/api/waves/{wave['id']}", f"/api/waves/{wave['id']}/blockers"):
        assert (await api.get(path, role=Role.VIEWER)).status_code == 200, path
    reschedule = await api.post(
        f"/api/waves/{wave['id']}/reschedule",
        {"go_live_at": AUTUMN, "reason": "r"},
        role=Role.VIEWER,
    )
    assert reschedule.status_code == 403


async def test_membership_checklist_and_the_go_live_guard(api: Api) -> None:
    wave = await create(api)
    early = (await api.start())[0]
    await api.move(early, SIGN)
    refused = await api.post(f"/api/waves/{wave['id']}/members", {"number": early})
    assert refused.status_code == 409
    assert refused.json()["error"] == "not_eligible"
    assert refused.json()["stage"] == "collaboration_signed"

    number = await optioned(api, SIGN_AGREEMENT)
    blocked = await api.post(
        f"/api/municipalities/{number}/transitions", {"trigger": "approve_go_live"}
    )
    assert blocked.status_code == 409
    assert blocked.json()["missing_conditions"][0] == "not a member of a production wave"

    added = await api.post(f"/api/waves/{wave['id']}/members", {"number": number})
    assert added.status_code == 200, added.text
    assert [m["number"] for m in added.json()["members"]] == [number]
    checklist = (await api.get(f"/api/municipalities/{number}/checklist")).json()
    assert checklist["wave_id"] == wave["id"]
    # The go-live Friday minus 120 calendar days, a holiday or weekend or not.
    assert {i["id"]: i["deadline"] for i in checklist["items"]}["technical_infrastructure"] == (
        SPRING_DAY - timedelta(days=120)
    ).isoformat()
    obligations = (await api.get(f"/api/municipalities/{number}/obligations")).json()
    assert set(ITEMS) <= {o["id"] for o in obligations}

    today = today_in_oslo().isoformat()
    for item in ITEMS[:-1]:
        done = await api.post(
            f"/api/municipalities/{number}/checklist/{item}",
            {"done_on": today, "evidence": {"document_ref": f"{item}-report"}},
        )
        assert done.status_code == 200, done.text
        assert done.json()["done"]["actor"]["role"] == "coordinator"
    blocked = await api.post(
        f"/api/municipalities/{number}/transitions", {"trigger": "approve_go_live"}
    )
    assert blocked.json()["missing_conditions"] == ["checklist item go_no_go_meeting not done"]
    assert_rejected(await api.post(f"/api/municipalities/{number}/checklist/coffee", {}), "item")
    assert_rejected(
        await api.post(
            f"/api/municipalities/{number}/checklist/go_no_go_meeting",
            {"done_on": (today_in_oslo() + timedelta(days=1)).isoformat()},
        ),
        "done_on",
    )
    assert (
        await api.post(f"/api/municipalities/{number}/checklist/go_no_go_meeting", {})
    ).status_code == 200
    ready = await api.move(number, {"trigger": "approve_go_live"})
    assert ready["stage"] == "ready" and ready["go_live_blockers"] == []

    blockers = (await api.get(f"/api/waves/{wave['id']}/blockers")).json()
    assert blockers["members_by_stage"] == {"ready": 1}
    assert blockers["members"][0]["checklist_done"] == 6
    report = (await api.get("/api/reports/blockers")).json()
    assert report["ready"] >= 1
    # Of one kind: its members only, in the waves that have one.
    municipalities = (
        await api.get("/api/reports/blockers", params={"kind": "municipality"})
    ).json()
    assert wave["id"] in [w["wave_id"] for w in municipalities["waves"]]
    offices = (await api.get("/api/reports/blockers", params={"kind": "gp_office"})).json()
    assert wave["id"] not in [w["wave_id"] for w in offices["waves"]]
    assert number not in [m["number"] for w in offices["waves"] for m in w["members"]]
    assert_rejected(await api.get("/api/reports/blockers", params={"kind": "gp"}), "kind")
    history = (await api.get(f"/api/municipalities/{number}/waves")).json()
    assert [(e["kind"], e["wave_id"]) for e in history] == [("member_added", wave["id"])]


async def test_reschedule_decide_and_remove(api: Api) -> None:
    wave = await create(api)
    number = await optioned(api)
    await api.post(f"/api/waves/{wave['id']}/members", {"number": number})
    moved = await api.post(
        f"/api/waves/{wave['id']}/reschedule",
        {"go_live_at": AUTUMN, "reason": "the hospital moved"},
    )
    assert moved.status_code == 200, moved.text
    assert [d["go_live_at"] for d in moved.json()["dates"]] == [SPRING, AUTUMN]
    checklist = (await api.get(f"/api/municipalities/{number}/checklist")).json()
    # The new go-live Friday minus 7 days.
    assert {i["id"]: i["deadline"] for i in checklist["items"]}["go_no_go_meeting"] == (
        AUTUMN_DAY - timedelta(days=7)
    ).isoformat()
    assert_rejected(
        await api.post(f"/api/waves/{wave['id']}/reschedule", {"go_live_at": AUTUMN}), "reason"
    )
    assert_rejected(
        await api.post(
            f"/api/waves/{wave['id']}/reschedule",
            {"go_live_at": "2020-01-01T00:00:00+01:00", "reason": "r"},
        ),
        "go_live_at",
    )
    closing = await api.post(f"/api/waves/{wave['id']}/decision", {"decision": "close"})
    assert closing.status_code == 409
    approved = await api.post(
        f"/api/waves/{wave['id']}/decision",
        {"decision": "approve", "evidence": {"document_ref": "go-no-go"}},
    )
    assert approved.json()["status"] == "frozen"
    assert approved.json()["decisions"][0]["evidence"] == {"document_ref": "go-no-go"}
    removed = await delete(api, f"/api/waves/{wave['id']}/members/{number}?reason=withdrawn")
    assert removed.status_code == 200, removed.text
    assert removed.json()["members"] == []
    again = await delete(api, f"/api/waves/{wave['id']}/members/{number}")
    assert_rejected(again, "number")


async def test_a_wave_recorded_after_the_fact_goes_live_on_its_approve_decision(api: Api) -> None:
    number = await optioned(api, {**SIGN_AGREEMENT, "effective_on": "2023-09-30"})
    wave = await create(api, go_live_at="2024-04-27T06:00:00+02:00", recorded_after_the_fact=True)
    await api.post(f"/api/waves/{wave['id']}/members", {"number": number})
    for item in ITEMS:
        await api.post(f"/api/municipalities/{number}/checklist/{item}", {"done_on": "2024-04-01"})
    await api.move(number, {"trigger": "approve_go_live", "effective_on": "2024-04-20"})
    approved = await api.post(f"/api/waves/{wave['id']}/decision", {"decision": "approve"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "live"
    shown = (await api.get(f"/api/municipalities/{number}")).json()
    assert shown["stage"] == "live"
    assert shown["last_transition"]["effective_on"] == "2024-04-27"
    late = await optioned(api)
    refused = await api.post(f"/api/waves/{wave['id']}/members", {"number": late})
    assert refused.status_code == 409
    assert refused.json() | {"message": ""} == {
        "error": "invalid_wave_state",
        "message": "",
        "wave_id": wave["id"],
        "status": "live",
    }
    assert datetime.now(UTC).year >= 2026
