"""The wave driver (onboarding/demo/wave_driver.py) through the real API: a past wave, and a rerun.

Every driver that takes municipalities live relies on it: the wave with its
moves, the members' backdated checklists and approvals, the approve decision
going live on the wave's own date; and a rerun after an interruption adds
nothing (the demo loader's promise).
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from onboarding.demo.loader import DemoLoadFailed
from onboarding.demo.open_work import reschedule_soon
from onboarding.demo.wave_driver import (
    MemberDates,
    PastWave,
    Send,
    create_and_fill,
    go_live_in_past_wave,
)
from onboarding.domain.calendar import OSLO
from onboarding.store.tokens import Role
from tests.helpers.api import EXERCISE, SIGN, Api

PLANNED = datetime(2022, 4, 30, 6, tzinfo=OSLO)
WENT_LIVE = datetime(2022, 5, 7, 6, tzinfo=OSLO)
AGREEMENT = {
    "trigger": "sign_service_agreement",
    "effective_on": "2020-06-18",
    "evidence": {"document_ref": "TA-2020/1"},
}


def sender(app: Api) -> tuple[Send, list[tuple[str, str]]]:
    """A Send over the app, and the (method, path) of every change it sent."""
    changes: list[tuple[str, str]] = []

    async def send(method: str, path: str, body: Any) -> Any:
        response = await app.http.request(
            method, path, json=body, headers=app.auth(Role.COORDINATOR)
        )
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        if method != "GET":
            changes.append((method, path))
        return response.json()

    return send, changes


def dates(_number: str) -> MemberDates:
    return MemberDates(approve_on=date(2022, 4, 30), done_on=lambda deadline: deadline)


async def signed(app: Api, count: int) -> list[str]:
    """`count` municipalities with their service agreement signed (backdated)."""
    numbers = await app.start(count)
    for number in numbers:
        for body in (SIGN, EXERCISE, AGREEMENT):
            await app.move(number, body)
    return numbers


def moved_wave() -> PastWave:
    """A wave planned for 2022-04-30 that went live a week later."""
    return PastWave(
        id=f"w-{uuid.uuid4().hex[:10]}",
        name="Trondheim",
        go_live_at=PLANNED,
        moves=[(WENT_LIVE, "moved a week")],
        evidence={"source": "test"},
    )


async def test_a_past_wave_with_its_moves_takes_its_members_live_on_its_date(
    api: Api,
) -> None:
    numbers = await signed(api, 2)
    wave = moved_wave()
    send, changes = sender(api)
    view = await go_live_in_past_wave(send, wave, numbers, dates)
    assert view["status"] == "live"
    assert [d["go_live_at"] for d in view["dates"]] == [
        PLANNED.isoformat(),
        WENT_LIVE.isoformat(),
    ]
    for number in numbers:
        *_, approve, went = api.history(number)
        assert (approve["trigger"], approve["effective_on"]) == ("approve_go_live", "2022-04-30")
        assert (went["trigger"], went["effective_on"]) == ("go_live", "2022-05-07")
        assert went["actor"]["id"] == f"wave:{wave.id}"
        checklist = (await api.get(f"/api/municipalities/{number}/checklist")).json()
        # Done on its deadline, derived from the date the wave went live on.
        technical = next(i for i in checklist["items"] if i["id"] == "technical_infrastructure")
        assert technical["done"]["done_on"] == str(WENT_LIVE.date() - timedelta(days=120))
        assert technical["done"]["evidence"] == {"source": "test"}
    # The audit log's wave filter and the members' timelines show it all.
    audit = (await api.get("/api/audit", Role.ADMIN, params={"wave": wave.id})).json()
    assert {e["wave"] for e in audit["items"]} == {wave.id}
    assert sorted(e["kind"] for e in audit["items"]) == sorted(
        ["wave_created", "wave_rescheduled", "wave_decision", "wave_went_live"]
        + ["wave_member_added", "wave_member_went_live"] * 2
    )
    story = (await api.get(f"/api/municipalities/{numbers[0]}/timeline")).json()
    kinds = [e["kind"] for e in story]
    assert kinds.count("checklist_completion") == 6
    went = next(e for e in story if e["kind"] == "wave_member_went_live")
    assert went["effective_on"] == "2022-05-07"  # its own date; the moves: when recorded
    assert "wave_rescheduled" in kinds
    assert changes.count(("POST", f"/api/waves/{wave.id}/reschedule")) == 1
    assert changes.count(("POST", f"/api/waves/{wave.id}/decision")) == 1

    # A rerun (the loader interrupted after the last step) changes nothing.
    history = (await api.get(f"/api/waves/{wave.id}")).json()["history"]
    send, again = sender(api)
    assert (await go_live_in_past_wave(send, wave, numbers, dates))["status"] == "live"
    assert again == []
    assert (await api.get(f"/api/waves/{wave.id}")).json()["history"] == history
    assert all(len(api.history(n)) == 5 for n in numbers)


async def test_a_rerun_after_the_moves_does_not_move_the_wave_again(api: Api) -> None:
    [number] = await signed(api, 1)
    wave = moved_wave()
    send, _ = sender(api)
    await create_and_fill(send, wave, [number])  # interrupted here
    view = await go_live_in_past_wave(send, wave, [number], dates)
    assert len(view["dates"]) == 2 and view["status"] == "live"


async def test_a_move_to_go_live_soon_tries_further_ahead_when_refused_as_past(
    api: Api, env: WorkflowEnvironment
) -> None:
    # The GP offices' wave of the demo's open work (open_work.py): a lead that is past by
    # the time the workflow checks it is refused and changes nothing; the next is tried.
    async def send(method: str, path: str, body: Any) -> Any:
        response = await api.http.request(
            method, path, json=body, headers=api.auth(Role.COORDINATOR)
        )
        if response.status_code not in (200, 201):
            raise DemoLoadFailed(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    # The leads count from our clock; this test server's may have skipped ahead of it.
    skipped = await env.get_current_time() - datetime.now(UTC)
    soon = (datetime.now(OSLO) + skipped + timedelta(days=30)).replace(microsecond=0)
    wave = f"soon-{uuid.uuid4().hex[:8]}"
    await send("POST", "/api/waves", {"id": wave, "name": "Soon", "go_live_at": soon.isoformat()})
    past, ahead = timedelta(seconds=-30), skipped + timedelta(days=2)
    at = await reschedule_soon(send, wave, [past, ahead], reason="demo")
    view = await send("GET", f"/api/waves/{wave}", None)
    assert [datetime.fromisoformat(d["go_live_at"]) for d in view["dates"]] == [soon, at]
    with pytest.raises(DemoLoadFailed, match="go_live_at"):
        await reschedule_soon(send, wave, [past], reason="demo")
    assert len((await send("GET", f"/api/waves/{wave}", None))["dates"]) == 2
