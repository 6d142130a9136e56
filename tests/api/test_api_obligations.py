"""Obligations through the API: list, set and move deadlines, bulk, and the overdue report."""

from datetime import timedelta
from typing import Any

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.overdue import overdue_obligations
from onboarding.store.tokens import Role
from tests.helpers.api import SIGN, Api
from tests.helpers.dates import business_day_on_or_after


async def put_deadline(
    app: Api, number: str, obligation: str, body: dict[str, Any], role: Role = Role.COORDINATOR
) -> Any:
    return await app.http.put(
        f"/api/municipalities/{number}/obligations/{obligation}",
        json=body,
        headers=app.auth(role),
    )


async def test_deadline_set_listed_moved_and_refused(api: Api) -> None:
    [number] = await api.start()
    await api.move(number, SIGN)
    listed = await api.get(f"/api/municipalities/{number}/obligations")
    assert listed.status_code == 200, listed.text
    [option] = listed.json()
    assert option["id"] == "exercise_option" and option["status"] == "open"
    assert option["deadline"] is None and option["pending"] == []

    deadline = today_in_oslo() + timedelta(days=200)
    body = {"deadline": deadline.isoformat(), "reason": "the program's option date"}
    response = await put_deadline(api, number, "exercise_option", body)
    assert response.status_code == 200, response.text
    set_ = response.json()
    assert set_["deadline"] == deadline.isoformat()
    assert [m["message_key"] for m in set_["pending"]] == [
        "reminder-60d",
        "reminder-30d",
        "reminder-7d",
        "escalation-1",
        "escalation-2",
        "escalation-3",
    ]
    # Instants are ISO 8601 with their offset, at 08:00 in Oslo.
    assert all(m["at"][11:19] == "08:00:00" and m["at"][19] in "+-" for m in set_["pending"])

    refusals = [
        (
            await put_deadline(
                api, number, "exercise_option", {"deadline": "2020-01-01", "reason": "x"}
            ),
            422,
            "deadline",
        ),
        (
            await put_deadline(api, number, "exercise_option", {"deadline": "soon", "reason": "x"}),
            422,
            "deadline",
        ),
        (
            await put_deadline(api, number, "exercise_option", {"deadline": deadline.isoformat()}),
            422,
            "reason",
        ),
        (await put_deadline(api, number, "bake_cake", body), 422, "obligation_id"),
    ]
    for response, status, field in refusals:
        assert response.status_code == status, response.text
        assert response.json()["field"] == field, response.text
    not_open = await put_deadline(api, number, "sign_service_agreement", body)
    assert not_open.status_code == 409
    assert not_open.json()["error"] == "obligation_not_open"
    assert not_open.json()["open_obligations"] == ["exercise_option"]
    viewer = await put_deadline(api, number, "exercise_option", body, role=Role.VIEWER)
    assert viewer.status_code == 403
    unknown = await put_deadline(
        api, "9999" if number != "9999" else "9998", "exercise_option", body
    )
    assert unknown.status_code == 404

    after = (await api.get(f"/api/municipalities/{number}/obligations")).json()
    assert after[0]["deadline"] == deadline.isoformat(), "refusals must change nothing"

    later = deadline + timedelta(days=30)
    moved = await put_deadline(
        api, number, "exercise_option", {"deadline": later.isoformat(), "reason": "moved"}
    )
    assert moved.status_code == 200, moved.text
    changes = await api.get(f"/api/municipalities/{number}/deadline-changes")
    assert changes.status_code == 200, changes.text
    assert [(c["deadline_before"], c["deadline_after"], c["reason"]) for c in changes.json()] == [
        (None, deadline.isoformat(), "the program's option date"),
        (deadline.isoformat(), later.isoformat(), "moved"),
    ]
    assert changes.json()[1]["actor"]["role"] == "coordinator"
    only = await api.get(
        f"/api/municipalities/{number}/deadline-changes", params={"obligation": "nothing"}
    )
    assert only.status_code == 200 and only.json() == []


async def test_bulk_deadlines_report_each_municipality(api: Api) -> None:
    signed, prospective = await api.start(2)
    await api.move(signed, SIGN)
    deadline = today_in_oslo() + timedelta(days=90)
    response = await api.post(
        "/api/bulk/deadlines",
        {
            "numbers": [signed, prospective],
            "obligation_id": "exercise_option",
            "deadline": deadline.isoformat(),
            "reason": "the program's option date",
        },
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["requested"], result["succeeded"], result["failed"]) == (2, 1, 1)
    ok, failed = result["results"]
    assert ok["number"] == signed and ok["obligation"]["deadline"] == deadline.isoformat()
    assert failed["number"] == prospective
    assert failed["error"]["error"] == "obligation_not_open"


async def test_overdue_report(api: Api) -> None:
    [number] = await api.start()
    await api.move(number, SIGN)
    today = today_in_oslo()
    # Due today (or, on a weekend or holiday, the next business day: a deadline on
    # a day off moves back to the business day before, which has passed).
    due = business_day_on_or_after(today)
    body = {"deadline": due.isoformat(), "reason": "due today"}
    assert (await put_deadline(api, number, "exercise_option", body)).status_code == 200

    now = await api.get("/api/reports/overdue")
    assert now.status_code == 200
    assert number not in {o["number"] for o in now.json()}, "due today is not overdue yet"
    future = await api.get("/api/reports/overdue", params={"as_of": "2999-01-01"})
    assert future.status_code == 422 and future.json()["field"] == "as_of"
    # The read model knows it: a week on, it is overdue.
    later = overdue_obligations(api.engine, as_of=today + timedelta(days=7))
    mine = [o for o in later if o.number == number]
    assert len(mine) == 1 and mine[0].obligation_id == "exercise_option"
    assert mine[0].days_overdue == (today + timedelta(days=7) - mine[0].effective_deadline).days
