"""GET /api/worklist with a real worker: deadlines set through the API, the window and filters."""

from datetime import timedelta

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.api import SIGN, Api, assert_rejected
from tests.helpers.dates import business_day_on_or_after


async def set_deadline(api: Api, number: str, days: int) -> str:
    due = business_day_on_or_after(today_in_oslo() + timedelta(days=days))
    response = await api.http.put(
        f"/api/municipalities/{number}/obligations/exercise_option",
        json={"deadline": due.isoformat(), "reason": "the program's option date"},
        headers=api.auth(Role.COORDINATOR),
    )
    assert response.status_code == 200, response.text
    return due.isoformat()


def due_ids(body: dict[str, object]) -> list[str]:
    return [d["party"]["id"] for d in body["due"]]  # type: ignore[attr-defined, index]


async def test_the_work_list_shows_deadlines_due_within_its_window(api: Api) -> None:
    soon, later = await api.start(2)
    for number in (soon, later):
        await api.move(number, SIGN)
    soon_on = await set_deadline(api, soon, 3)
    await set_deadline(api, later, 40)

    response = await api.get("/api/worklist")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filters"]["days"] == 14 and body["as_of"] == today_in_oslo().isoformat()
    assert due_ids(body) == [soon]
    [item] = body["due"]
    assert item["obligation_id"] == "exercise_option" and item["effective_deadline"] == soon_on
    assert item["party"] == {
        "id": soon,
        "name": f"Testby {soon}",
        "kind": "municipality",
        "stage": "collaboration_signed",
        "health_trust": "St. Olavs hospital",
    }
    assert body["counts"] == {
        "due": 1,
        "overdue": 0,
        "blocked": 0,
        "failed_notifications": 0,
        "stuck": 2,
    }
    # Both signed their agreement years ago (SIGN takes effect in the past) and have not
    # moved since: stale, each with the day its last transition took effect.
    assert {(s["party"]["id"], s["reason"]) for s in body["stuck"]} == {
        (soon, "stale"),
        (later, "stale"),
    }
    assert all(s["last_transition_on"] == SIGN["effective_on"] for s in body["stuck"])

    wide = (await api.get("/api/worklist", params={"days": 60})).json()
    assert sorted(due_ids(wide)) == sorted([soon, later]) and wide["counts"]["due"] == 2
    # Every filter narrows the same list, on the server.
    for params, expected in [
        ({"stage": "collaboration_signed", "days": 60}, [soon, later]),
        ({"stage": "preparing", "days": 60}, []),
        ({"kind": "municipality"}, [soon]),
        ({"kind": "gp_office", "days": 60}, []),
        ({"health_trust": "St. Olavs hospital"}, [soon]),
        ({"health_trust": "Helse Møre og Romsdal HF", "days": 60}, []),
        ({"wave": "no-such-wave", "days": 60}, []),
    ]:
        found = await api.get("/api/worklist", params=params, role=Role.COORDINATOR)
        assert found.status_code == 200, found.text
        assert sorted(due_ids(found.json())) == sorted(expected), params

    for params, field in [({"days": -1}, "days"), ({"days": 400}, "days"), ({"kind": "x"}, "kind")]:
        assert_rejected(await api.get("/api/worklist", params=params), field)
    assert (await api.http.get("/api/worklist")).status_code == 401


async def test_a_one_value_filter_given_twice_is_refused_naming_it(api: Api) -> None:
    # FastAPI would read the last one; the document says one value (the fuzzer's find).
    refused = await api.get("/api/worklist?wave=a&wave=b&days=3", role=Role.VIEWER)
    body = assert_rejected(refused, "wave")
    assert body["message"] == "given 2 times; give it once"
    once = await api.get("/api/worklist?wave=a&days=3", role=Role.VIEWER)
    assert once.status_code == 200, once.text


async def test_a_repeatable_filter_takes_every_value(api: Api) -> None:
    # The audit log's `kind` is an array in the document: repeating it is how to give two.
    both = await api.get("/api/audit?kind=transition&kind=correction", role=Role.ADMIN)
    assert both.status_code == 200, both.text
