"""History over the API: corrections, the timeline, the audit log and its export, reports.

Real worker on the time-skipping server and real SQLite, as in test_api.py
(whose fixture and made-up municipality numbers this reuses).
"""

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.api import EXERCISE, SIGN, Api, assert_rejected


async def _events(api: Api, number: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/municipalities/{number}/timeline?kind=transition")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


async def _correct(api: Api, number: str, body: dict[str, Any]) -> Any:
    return await api.post(f"/api/municipalities/{number}/corrections", body)


async def test_amend_the_effective_date_keeps_the_transition_and_moves_the_reports(
    api: Api,
) -> None:
    (number,) = await api.start()
    await api.move(number, SIGN)
    await api.move(number, EXERCISE)
    before = await api.get("/api/reports/funnel", params={"as_of": "2019-08-30"})
    assert before.json()["stages"]["option_exercised"] == 1
    exercise = (await _events(api, number))[1]
    response = await _correct(
        api,
        number,
        {
            "event_id": exercise["details"]["event_id"],
            "effective_on": "2019-09-05",
            "evidence": {"case_ref": "2019/5678"},
            "reason": "the council's minutes give 5 September",
        },
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["correction"]["kind"] == "amend"
    assert result["correction"]["effective_on_before"] == "2019-08-29"
    assert result["municipality"]["last_transition"]["effective_on"] == "2019-09-05"
    # The recorded transition is untouched; the correction sits beside it.
    history = api.history(number)
    assert history[1]["effective_on"] == "2019-08-29"
    assert history[1]["evidence"] == {"case_ref": "2019/1234"}
    timeline = (await api.get(f"/api/municipalities/{number}/timeline")).json()
    kinds = [(e["kind"], e["effective_on"]) for e in timeline]
    assert kinds == [
        ("transition", "2017-03-15"),
        ("transition", "2019-08-29"),
        ("correction", "2019-09-05"),
    ]
    correction = timeline[2]
    assert correction["comment"] == "the council's minutes give 5 September"
    assert correction["actor"]["role"] == "coordinator"
    assert correction["details"]["corrects"] == f"transition:{exercise['details']['event_id']}"
    assert timeline[1]["details"]["corrected_by"] == [correction["id"]]
    # Reports: the corrected truth now; nothing was recorded as known yesterday.
    after = await api.get("/api/reports/funnel", params={"as_of": "2019-08-30"})
    assert after.json()["stages"]["option_exercised"] == 0
    assert after.json()["stages"]["collaboration_signed"] >= 1
    yesterday = (today_in_oslo() - timedelta(days=1)).isoformat()
    known = await api.get(
        "/api/reports/stages", params={"as_of": "2019-09-06", "known_on": yesterday}
    )
    row = next(r for r in known.json()["municipalities"] if r["number"] == number)
    assert row["stage"] == "prospective"
    now = await api.get("/api/reports/stages", params={"as_of": "2019-09-06"})
    row = next(r for r in now.json()["municipalities"] if r["number"] == number)
    assert (row["stage"], row["since"], row["milestone"]) == (
        "option_exercised",
        "2019-09-05",
        "option_exercised",
    )


async def test_void_the_last_transition_takes_the_stage_back(api: Api) -> None:
    (number,) = await api.start()
    await api.move(number, SIGN)
    await api.move(number, EXERCISE)
    events = await _events(api, number)
    sign_id, exercise_id = (e["details"]["event_id"] for e in events)
    refused = await _correct(
        api, number, {"event_id": sign_id, "void": True, "reason": "wrong municipality"}
    )
    assert "only the last transition" in assert_rejected(refused, "event_id")["message"]
    response = await _correct(
        api, number, {"event_id": exercise_id, "void": True, "reason": "recorded on the wrong one"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["municipality"]["stage"] == "collaboration_signed"
    shown = (await api.get(f"/api/municipalities/{number}")).json()
    assert shown["stage"] == "collaboration_signed"
    assert shown["last_transition"]["trigger"] == "sign_collaboration"
    listed = (await api.get("/api/municipalities")).json()
    row = next(m for m in listed if m["number"] == number)
    assert row["stage"] == "collaboration_signed"
    assert row["last_transition"]["trigger"] == "sign_collaboration"
    assert len(api.history(number)) == 2  # nothing deleted
    again = await _correct(api, number, {"event_id": exercise_id, "void": True, "reason": "x"})
    assert "voided" in assert_rejected(again, "event_id")["message"]
    # The voided date no longer holds the next transition back.
    await api.move(number, {**EXERCISE, "effective_on": "2018-01-10"})
    funnel = (await api.get("/api/reports/funnel", params={"as_of": "2019-01-01"})).json()
    assert funnel["reached"]["option_exercised"] >= 1


async def test_bad_corrections_are_refused_naming_the_field(api: Api) -> None:
    (number, other) = await api.start(2)
    await api.move(number, SIGN)
    await api.move(number, EXERCISE)
    await api.move(other, SIGN)
    sign_id, exercise_id = (e["details"]["event_id"] for e in await _events(api, number))
    (other_id,) = (e["details"]["event_id"] for e in await _events(api, other))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"event_id": other_id, "effective_on": "2017-03-16"}, "event_id"),
        ({"event_id": 999_999, "effective_on": "2017-03-16"}, "event_id"),
        ({"event_id": sign_id, "effective_on": "2019-09-01"}, "effective_on"),  # after the next
        ({"event_id": exercise_id, "effective_on": "2017-03-01"}, "effective_on"),  # before prev
        ({"event_id": exercise_id, "effective_on": "2999-01-01"}, "effective_on"),
        ({"event_id": exercise_id, "evidence": {"colour": "red"}}, "evidence.colour"),
        ({"event_id": exercise_id, "effective_on": "2019-08-29"}, "effective_on"),  # no change
        ({"event_id": exercise_id}, "effective_on"),  # nothing to do
        ({"event_id": exercise_id, "void": True, "effective_on": "2019-08-30"}, "void"),
        ({"event_id": exercise_id, "effective_on": "2019-08-30", "reason": ""}, "reason"),
    ]
    for body, field_name in cases:
        response = await _correct(api, number, {"reason": "because", **body})
        assert_rejected(response, field_name)
    viewer = await api.post(
        f"/api/municipalities/{number}/corrections",
        {"event_id": exercise_id, "void": True, "reason": "x"},
        role=Role.VIEWER,
    )
    assert viewer.status_code == 403
    timeline = await api.get(f"/api/municipalities/{number}/timeline?kind=correction")
    assert timeline.json() == []  # nothing was written


async def test_audit_log_filters_pages_and_exports(api: Api) -> None:
    numbers = await api.start(2)
    for number in numbers:
        await api.move(number, SIGN)
        await api.move(number, EXERCISE)
    first = numbers[0]
    exercise_id = (await _events(api, first))[1]["details"]["event_id"]
    await _correct(
        api, first, {"event_id": exercise_id, "effective_on": "2019-08-30", "reason": "typo"}
    )
    params = {"municipality": first}
    page = (await api.get("/api/audit", Role.ADMIN, params={**params, "limit": 2})).json()
    assert [e["kind"] for e in page["items"]] == ["correction", "transition"]  # newest first
    assert page["next_offset"] == 2
    rest = (
        await api.get("/api/audit", Role.ADMIN, params={**params, "limit": 2, "offset": 2})
    ).json()
    assert [e["kind"] for e in rest["items"]] == ["transition"]
    assert rest["next_offset"] is None
    only = (await api.get("/api/audit", Role.ADMIN, params={"kind": "correction"})).json()
    assert {e["municipality_number"] for e in only["items"]} == {first}
    by_actor = await api.get(
        "/api/audit", Role.ADMIN, params={"actor": "TEST COORDINATOR", "municipality": first}
    )
    assert len(by_actor.json()["items"]) == 3
    nobody = await api.get("/api/audit", Role.ADMIN, params={"actor": "nobody"})
    assert nobody.json()["items"] == []
    today = today_in_oslo()
    recorded_today = await api.get(
        "/api/audit", Role.ADMIN, params={**params, "from": today.isoformat()}
    )
    assert len(recorded_today.json()["items"]) == 3
    tomorrow = (today + timedelta(days=1)).isoformat()
    none_yet = await api.get("/api/audit", Role.ADMIN, params={**params, "from": tomorrow})
    assert none_yet.json()["items"] == []
    # No wave of that id: nothing.
    waves = await api.get("/api/audit", Role.ADMIN, params={"wave": "2022-11"})
    assert waves.json()["items"] == []

    exported = await api.get("/api/audit/export", Role.ADMIN, params={**params, "format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["kind"] for r in rows] == ["transition", "transition", "correction"]  # oldest first
    assert json.loads(rows[1]["evidence"]) == {"case_ref": "2019/1234"}
    assert rows[2]["comment"] == "typo"
    as_json = await api.get("/api/audit/export", Role.ADMIN, params={**params, "format": "json"})
    assert [e["id"] for e in as_json.json()] == [r["id"] for r in rows]


async def test_audit_and_report_refusals_name_the_field(api: Api) -> None:
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    cases: list[tuple[str, dict[str, str], str]] = [
        ("/api/audit", {"kind": "gossip"}, "kind"),
        ("/api/audit", {"from": "2024-02-01", "to": "2024-01-01"}, "from"),
        ("/api/audit", {"from": "2024-13-01"}, "from"),
        ("/api/audit", {"municipality": "50"}, "municipality"),
        ("/api/audit", {"limit": "0"}, "limit"),
        ("/api/audit/export", {"format": "xml"}, "format"),
        ("/api/reports/funnel", {"as_of": tomorrow}, "as_of"),
        ("/api/reports/funnel", {"known_on": tomorrow}, "known_on"),
        ("/api/reports/funnel", {"as_of": "11.10.2022"}, "as_of"),
        ("/api/reports/stages", {"known_on": "yesterday"}, "known_on"),
        ("/api/reports/milestones", {}, "from"),
        ("/api/reports/milestones", {"from": "2023-01-01", "to": "2022-01-01"}, "from"),
        ("/api/reports/milestones", {"from": "2022-01-01", "interval": "fortnight"}, "interval"),
        ("/api/reports/milestones", {"from": "1000-01-01"}, "interval"),
    ]
    for path, params, field_name in cases:
        assert_rejected(await api.get(path, Role.ADMIN, params=params), field_name)
    assert (await api.get("/api/audit", Role.VIEWER)).status_code == 403
    assert (await api.get("/api/audit/export", Role.COORDINATOR)).status_code == 403


async def test_milestone_series_counts_by_month(api: Api) -> None:
    (number,) = await api.start()
    await api.move(number, SIGN)
    await api.move(number, EXERCISE)
    series = await api.get(
        "/api/reports/milestones",
        params={"from": "2019-07-01", "to": "2019-09-15", "interval": "month"},
    )
    assert series.status_code == 200, series.text
    body = series.json()
    assert body["from"] == "2019-07-01"
    assert [p["on"] for p in body["points"]] == ["2019-07-31", "2019-08-31", "2019-09-15"]
    july, august, _ = body["points"]
    assert august["reached"]["option_exercised"] - july["reached"]["option_exercised"] >= 1


async def test_voiding_pause_and_resume_restores_where_it_was_paused_from(api: Api) -> None:
    (number,) = await api.start()
    await api.move(number, SIGN)
    await api.move(number, EXERCISE)
    await api.move(
        number, {"trigger": "pause", "effective_on": "2020-01-01", "evidence": {"reason": "hold"}}
    )
    await api.move(number, {"trigger": "resume", "effective_on": "2020-02-01"})
    resume_id, pause_id = (e["details"]["event_id"] for e in (await _events(api, number))[:-3:-1])
    voided = await _correct(api, number, {"event_id": resume_id, "void": True, "reason": "no"})
    assert voided.status_code == 200, voided.text
    state = voided.json()["municipality"]
    assert (state["stage"], state["paused_from"]) == ("paused", "option_exercised")
    assert state["allowed_triggers"] == ["resume", "withdraw"]
    voided = await _correct(api, number, {"event_id": pause_id, "void": True, "reason": "no"})
    state = voided.json()["municipality"]
    assert (state["stage"], state["paused_from"]) == ("option_exercised", None)
    obligations = (await api.get(f"/api/municipalities/{number}/obligations")).json()
    service = next(o for o in obligations if o["id"] == "sign_service_agreement")
    assert service["status"] == "open"  # the pause never happened


async def test_a_repeated_correction_key_returns_the_first_answer(api: Api) -> None:
    (number,) = await api.start()
    await api.move(number, SIGN)
    (sign_id,) = (e["details"]["event_id"] for e in await _events(api, number))
    body = {
        "event_id": sign_id,
        "effective_on": "2017-03-20",
        "reason": "date of the signature",
        "idempotency_key": "fix-1",
    }
    first = await _correct(api, number, body)
    again = await _correct(api, number, body)
    assert first.status_code == again.status_code == 200
    assert again.json()["correction"] == first.json()["correction"]
    timeline = await api.get(f"/api/municipalities/{number}/timeline?kind=correction")
    assert len(timeline.json()) == 1
