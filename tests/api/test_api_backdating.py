"""Backdated recording (#21): only the demo loader's token may give a recording time in the past.

Everyone else is refused (403, naming the field) and nothing changes; the
loader's backdated records count as recorded then ("as known on"), and the
audit log marks each one with when it was really entered.
"""

from datetime import date, datetime
from typing import Any

import httpx

from onboarding.domain.calendar import OSLO
from onboarding.domain.checklist import ChecklistItemId
from onboarding.store import queries
from onboarding.store.tokens import Role, create_token
from tests.helpers.api import EXERCISE, SIGN, Api, assert_rejected, wave_body

SIGNED_AT = "2017-03-16T10:15:00+01:00"


def loader_token(api: Api, role: Role = Role.COORDINATOR) -> dict[str, str]:
    """The headers of a token that may backdate, as `onboarding up --demo` makes for its loader."""
    _, secret = create_token(api.engine, name="Demo loader", role=role, may_backdate=True)
    return {"Authorization": f"Bearer {secret}"}


async def as_loader(api: Api, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await api.http.post(path, json=body, headers=headers)


async def stage_on(api: Api, number: str, day: str) -> str:
    """The party's stage on `day`, as known on `day`."""
    response = await api.get(f"/api/reports/stages?as_of={day}&known_on={day}")
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json()["municipalities"] if r["number"] == number]
    stage: str = row["stage"]
    return stage


async def test_only_a_token_that_may_backdate_gives_a_recording_time(api: Api) -> None:
    [number] = await api.start()
    path = f"/api/municipalities/{number}/transitions"
    for role in (Role.COORDINATOR, Role.ADMIN):
        refused = await api.post(path, {**SIGN, "recorded_at": SIGNED_AT}, role=role)
        assert refused.status_code == 403, refused.text
        assert "recorded_at" in refused.json()["message"]
    wave = await api.post("/api/waves", wave_body(recorded_at=SIGNED_AT))
    assert wave.status_code == 403 and "recorded_at" in wave.json()["message"]
    history = await api.post("/api/region/history/load", {"backdated": True}, role=Role.ADMIN)
    assert history.status_code == 403 and "backdated" in history.json()["message"]
    assert api.history(number) == []
    assert (await api.get("/api/waves")).json() == []


async def test_the_loaders_records_count_from_their_recording_time_and_are_marked(
    api: Api,
) -> None:
    [number] = await api.start()
    headers = loader_token(api)
    path = f"/api/municipalities/{number}/transitions"
    signed = await as_loader(api, path, {**SIGN, "recorded_at": SIGNED_AT}, **headers)
    assert signed.status_code == 200, signed.text
    [row] = queries.history(api.engine, number=number)
    assert row.recorded_at == datetime.fromisoformat(SIGNED_AT)
    assert row.entered_at is not None and row.entered_at.date() >= date(2026, 1, 1)
    # As known on the day after it was signed, not the day before.
    assert await stage_on(api, number, "2017-03-17") == "collaboration_signed"
    assert await stage_on(api, number, "2017-03-15") == "prospective"

    audit = (await api.get(f"/api/audit?municipality={number}", role=Role.ADMIN)).json()
    [entry] = audit["items"]
    assert entry["recorded_at"].startswith("2017-03-16T09:15")  # UTC
    assert entry["entered_at"] is not None
    # An entry recorded now is not marked.
    await api.move(number, EXERCISE)
    audit = (await api.get(f"/api/audit?municipality={number}", role=Role.ADMIN)).json()
    assert [e["entered_at"] is None for e in audit["items"]] == [True, False]


async def test_a_backdated_time_is_checked_naming_recorded_at(api: Api) -> None:
    [number] = await api.start()
    headers = loader_token(api)
    path = f"/api/municipalities/{number}/transitions"
    assert (await as_loader(api, path, {**SIGN, "recorded_at": SIGNED_AT}, **headers)).is_success
    cases = {
        # Before the party's previous record.
        "recorded_at": {**EXERCISE, "recorded_at": "2017-03-16T09:00:00+01:00"},
        # Taking effect after the day it counts as recorded.
        "effective_on": {**EXERCISE, "recorded_at": "2019-08-28T12:00:00+02:00"},
    }
    for field, body in cases.items():
        assert_rejected(await as_loader(api, path, body, **headers), field)
    future = {**EXERCISE, "recorded_at": "2999-01-01T12:00:00+01:00"}
    assert_rejected(await as_loader(api, path, future, **headers), "recorded_at")
    naive = {**EXERCISE, "recorded_at": "2019-08-30T12:00:00"}
    assert_rejected(await as_loader(api, path, naive, **headers), "recorded_at")
    assert len(api.history(number)) == 1


async def test_a_wave_recorded_after_the_fact_keeps_each_steps_own_time(api: Api) -> None:
    [number] = await api.start()
    headers = loader_token(api)
    party = f"/api/municipalities/{number}"
    for body, at in (
        (SIGN, SIGNED_AT),
        (EXERCISE, "2019-08-29T11:00:00+02:00"),
        (
            {"trigger": "sign_service_agreement", "evidence": {"document_ref": "ARK-1"}},
            "2021-01-05T09:30:00+01:00",
        ),
    ):
        moved = await as_loader(
            api,
            f"{party}/transitions",
            {**body, "effective_on": at[:10], "recorded_at": at},
            **headers,
        )
        assert moved.status_code == 200, moved.text
    go_live = "2021-10-15T00:00:00+02:00"
    wave = wave_body(go_live_at=go_live, recorded_after_the_fact=True)
    wave["recorded_at"] = "2021-02-01T10:00:00+01:00"
    created = await as_loader(api, "/api/waves", wave, **headers)
    assert created.status_code == 201, created.text
    wave_path = f"/api/waves/{wave['id']}"
    member = {"number": number, "recorded_at": "2021-02-01T10:05:00+01:00"}
    assert (await as_loader(api, f"{wave_path}/members", member, **headers)).is_success
    for item in ChecklistItemId:
        done = {
            "done_on": "2021-09-01",
            "evidence": {"document_ref": "ok"},
            "recorded_at": "2021-09-01T14:00:00+02:00",
        }
        answer = await as_loader(api, f"{party}/checklist/{item.value}", done, **headers)
        assert answer.status_code == 200, answer.text
    approve = {
        "trigger": "approve_go_live",
        "effective_on": "2021-10-08",
        "recorded_at": "2021-10-08T13:00:00+02:00",
    }
    assert (await as_loader(api, f"{party}/transitions", approve, **headers)).is_success
    decision = {
        "decision": "approve",
        "evidence": {"document_ref": "go-no-go"},
        "recorded_at": "2021-10-15T08:30:00+02:00",
    }
    decided = await as_loader(api, f"{wave_path}/decision", decision, **headers)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "live"

    history = (await api.get(wave_path)).json()["history"]
    recorded = {e["kind"]: datetime.fromisoformat(e["recorded_at"]) for e in history}
    oslo = {kind: moment.astimezone(OSLO).isoformat() for kind, moment in recorded.items()}
    assert oslo["created"] == "2021-02-01T10:00:00+01:00"
    assert oslo["member_added"] == "2021-02-01T10:05:00+01:00"
    assert oslo["decision"] == oslo["went_live"] == "2021-10-15T08:30:00+02:00"
    go_live_row = queries.history(api.engine, number=number)[-1]
    assert go_live_row.trigger.value == "go_live"
    assert go_live_row.recorded_at.astimezone(OSLO).isoformat() == "2021-10-15T08:30:00+02:00"
    assert go_live_row.entered_at is not None
    # As known on the day of go-live, and not on the day before.
    assert await stage_on(api, number, "2021-10-15") == "live"
    assert await stage_on(api, number, "2021-10-14") == "ready"
    # Every entry of the wave and the party in the audit log is marked as backdated.
    log = (await api.get(f"/api/audit?municipality={number}&limit=50", role=Role.ADMIN)).json()
    kinds = {e["kind"] for e in log["items"]}
    assert {"transition", "checklist_completion"} <= kinds, kinds
    assert all(e["entered_at"] for e in log["items"]), log["items"]
