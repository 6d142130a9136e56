"""Municipal reforms through the API (/api/reforms), on SQLite and on PostgreSQL: the dry-run
equal to the apply party by party, what follows a merger (a GP office, a scoped token, the
contacts), a renumbered municipality's old and new numbers in API paths and on the pages,
and bad plans refused naming the field, changing nothing.

On the module's time-skipping server with a real worker.
"""

from typing import Any

import httpx
from sqlmodel import Session

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.vocabulary import Trigger
from onboarding.store import reforms as reform_store
from onboarding.store import tokens
from onboarding.store.tokens import Role

# The `api` fixture of the migrations' tests: the API on SQLite and on PostgreSQL.
from tests.api.test_api_migrations import api, comparable, deadline, drive, fresh_id
from tests.helpers.api import Api, assert_rejected, fresh_number, wave_body
from tests.helpers.parties import gp_office
from tests.helpers.web import sign_in_form

__all__ = ["api"]

EVIDENCE = {"document_ref": "https://data.ssb.no/api/klass/v1/classifications/131/changes"}


async def admin(api: Api, method: str, path: str, body: Any = None) -> httpx.Response:
    return await api.http.request(method, path, json=body, headers=api.auth(Role.ADMIN))


async def signed_in_page(api: Api, path: str, language: str) -> httpx.Response:
    """A page as an admin signed in through the form sees it, in `language` (nb or en)."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://pages.test") as http:
        assert (await sign_in_form(http, api.secrets[Role.ADMIN])).status_code == 303
        headers = {"Accept-Language": language}
        return await http.get(path, headers=headers, follow_redirects=True)


def plan(kind: str, parties: list[str], **rest: Any) -> dict[str, Any]:
    return {
        "id": fresh_id(f"test-{kind.replace('_', '-')}"),
        "kind": kind,
        "effective_on": today_in_oslo().isoformat(),
        "parties": parties,
        "evidence": EVIDENCE,
        **rest,
    }


async def test_a_merger_dry_run_is_what_the_apply_does_and_what_follows_is_listed(
    api: Api,
) -> None:
    preparing, signed = await api.start(2)
    await drive(api, preparing, Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION)
    await deadline(api, preparing, "sign_service_agreement", 200)
    await drive(api, preparing, Trigger.START_PREPARATION)
    await drive(api, signed, Trigger.SIGN_COLLABORATION)
    office = await api.post("/api/parties", gp_office(preparing))
    assert office.status_code == 201, office.text
    office_id = office.json()["number"]
    api.started.append(office_id)
    people = [{"role": "municipality_contact", "name": "Kari Kontakt", "email": "kari@k.no"}]
    put = await api.http.put(
        f"/api/municipalities/{signed}/contacts", json=people, headers=api.auth(Role.COORDINATOR)
    )
    assert put.status_code == 200, put.text
    token, _ = tokens.create_token(
        api.engine, name="kommune", role=Role.MUNICIPALITY, scope=[signed]
    )
    new = fresh_number()
    api.started.append(new)
    body = plan(
        "merger",
        [preparing, signed],
        new_municipalities=[{"number": new, "name": "Nyby kommune"}],
    )

    dry = await admin(api, "POST", "/api/reforms/dry-run", body)
    assert dry.status_code == 200, dry.text
    preview = dry.json()
    assert preview["refused"] == []
    landing = next(e for e in preview["effects"] if e["party"] == new)["landing"]
    # The most advanced common stage: one prepares, the other has signed.
    assert landing["stage"] == "collaboration_signed"
    assert landing["explanation"].startswith("most_advanced_common")
    assert {(s["party"], s["stage"]) for s in landing["predecessors"]} == {
        (preparing, "preparing"),
        (signed, "collaboration_signed"),
    }
    follows = {(f["what"], f["subject"], f["to_party"]) for f in preview["follows"]}
    assert follows == {
        ("gp_office", office_id, new),
        ("token", str(token.id), new),
        ("contacts", signed, new),
    }
    # Nothing changed: no reform, no new municipality.
    assert (await admin(api, "GET", f"/api/reforms/{body['id']}")).status_code == 404
    assert (await api.get(f"/api/municipalities/{new}")).status_code == 404

    done = await admin(api, "POST", "/api/reforms", body)
    assert done.status_code == 201, done.text
    applied = done.json()
    assert [comparable(e) for e in applied["effects"]] == [
        comparable(e) for e in preview["effects"]
    ]
    assert applied["follows"] == preview["follows"]
    assert (await api.get(f"/api/municipalities/{new}")).json()["stage"] == "collaboration_signed"
    assert (await api.get(f"/api/municipalities/{preparing}")).json()["stage"] == "ended_by_reform"
    moved = (await api.get(f"/api/parties/{office_id}")).json()
    assert moved["municipality_number"] == new
    contacts = (await api.get(f"/api/municipalities/{new}/contacts")).json()
    assert [c["email"] for c in contacts] == ["kari@k.no"]
    (rescoped,) = [t for t in tokens.list_tokens(api.engine) if t.id == token.id]
    assert tokens.scope_of(rescoped) == {signed, new}
    audit = await api.get("/api/audit", Role.ADMIN, params={"kind": "token_rescoped"})
    assert audit.status_code == 200, audit.text
    assert token.id in [e["details"]["token_id"] for e in audit.json()["items"]]

    recorded = await admin(api, "GET", f"/api/reforms/{body['id']}")
    assert recorded.status_code == 200
    assert [comparable(e) for e in recorded.json()["effects"]] == [
        comparable(e) for e in applied["effects"]
    ]
    assert recorded.json()["recorded_by"]["role"] == "admin"
    listed = await admin(api, "GET", "/api/reforms", None)
    assert body["id"] in [r["id"] for r in listed.json()]
    mine = await api.http.get(
        "/api/reforms", params={"party": signed}, headers=api.auth(Role.ADMIN)
    )
    assert [r["id"] for r in mine.json()] == [body["id"]]
    # Once: the same id again is a conflict, and changes nothing.
    again = await admin(api, "POST", "/api/reforms", body)
    assert again.status_code == 409 and again.json()["error"] == "reform_exists"
    # The merged one's page says so, in both languages, and leads to its successor.
    for language, words in (("nb", "Opphørt ved kommunereformen"), ("en", "Ended by the")):
        shown = await signed_in_page(api, f"/municipalities/{preparing}", language)
        assert shown.status_code == 200, shown.text
        assert words in shown.text and f'href="/municipalities/{new}"' in shown.text
    # Each party's timeline shows it.
    timeline = await api.get(f"/api/municipalities/{preparing}/timeline", Role.COORDINATOR)
    assert timeline.status_code == 200, timeline.text
    assert "reform" in timeline.text
    with Session(api.engine) as session:
        assert [s.predecessor for s in reform_store.predecessors_of(session, new)] == [
            preparing,
            signed,
        ]


async def test_old_numbers_keep_resolving_in_api_paths_and_pages(api: Api) -> None:
    (place,) = await api.start(1)
    await drive(api, place, Trigger.SIGN_COLLABORATION)
    new = fresh_number()
    body = plan("renumbering", [place], new_number=new)
    done = await admin(api, "POST", "/api/reforms", body)
    assert done.status_code == 201, done.text
    # The API answers the party under its old number (its id) and its new one.
    by_id = await api.get(f"/api/municipalities/{place}")
    by_new = await api.get(f"/api/municipalities/{new}")
    assert by_id.status_code == by_new.status_code == 200, by_new.text
    assert by_new.json()["number"] == place and by_new.json()["current_number"] == new
    # A transition through the new number moves the same party.
    moved = await api.post(
        f"/api/municipalities/{new}/transitions",
        {"trigger": "exercise_option", "evidence": {"case_ref": "2024/1"}},
    )
    assert moved.status_code == 200, moved.text
    assert (await api.get(f"/api/parties/{place}")).json()["stage"] == "option_exercised"
    # A page under the new number leads to the party's own address, which shows the number.
    shown = await signed_in_page(api, f"/municipalities/{new}", "en")
    assert shown.status_code == 200 and str(shown.url).endswith(f"/municipalities/{place}")
    assert f"Municipality number {new} (renumbered by a municipal reform; id {place})" in shown.text
    page = await api.http.get(f"/municipalities/{new}/timeline?lang=en")
    assert page.status_code == 308
    assert page.headers["location"] == f"/municipalities/{place}/timeline?lang=en"
    # A number nobody has is still unknown.
    unknown = await api.get(f"/api/municipalities/{fresh_number()}")
    assert unknown.status_code == 404


async def test_bad_plans_are_refused_naming_the_field_and_change_nothing(api: Api) -> None:
    one, two = await api.start(2)
    cases = [
        (plan("merger", [one, two]), "new_municipalities"),
        (plan("renumbering", [one]), "new_number"),
        (
            plan("split", [one, two], new_municipalities=[{"number": "9998", "name": "x"}]),
            "parties",
        ),
        (plan("joined", [one], evidence={"colour": "red"}), "evidence.colour"),
        (
            plan("merger", [one, two], new_municipalities=[{"number": one, "name": "Same"}]),
            "new_municipalities[0].number",
        ),
        (plan("renumbering", [one], new_number=two), "new_number"),
    ]
    for body, field_name in cases:
        for path in ("/api/reforms/dry-run", "/api/reforms"):
            assert_rejected(await admin(api, "POST", path, body), field_name)
    unknown = await admin(api, "POST", "/api/reforms", plan("left", [fresh_number()]))
    assert unknown.status_code == 404
    assert (await api.get(f"/api/municipalities/{one}")).json()["stage"] == "prospective"
    assert (await admin(api, "GET", "/api/reforms", None)).json() == [] or all(
        one not in r["from_parties"] for r in (await admin(api, "GET", "/api/reforms")).json()
    )


async def test_a_boundary_transfer_is_recorded_and_leaving_and_joining_move_the_region(
    api: Api,
) -> None:
    giver, taker = await api.start(2)
    await drive(api, taker, Trigger.SIGN_COLLABORATION)
    transfer = plan("boundary_transfer", [giver, taker])
    done = await admin(api, "POST", "/api/reforms", transfer)
    assert done.status_code == 201, done.text
    assert [(e["party"], e["role"], e["to_stage"]) for e in done.json()["effects"]] == [
        (giver, "noted", "prospective"),
        (taker, "noted", "collaboration_signed"),
    ]
    assert done.json()["successions"] == [] and done.json()["follows"] == []
    # Both carry on: the next transition is theirs as before.
    await drive(api, giver, Trigger.SIGN_COLLABORATION)
    day = today_in_oslo()
    left = await admin(api, "POST", "/api/reforms", plan("left", [giver]))
    assert left.status_code == 201, left.text
    with Session(api.engine) as session:
        assert giver not in reform_store.parties_in_region_on(session, day)
        assert taker in reform_store.parties_in_region_on(session, day)
        periods = reform_store.region_periods(session, giver)
    assert [(p.valid_from, p.valid_to, p.reform_id) for p in periods] == [
        (None, day, left.json()["id"])
    ]
    joined = await admin(api, "POST", "/api/reforms", plan("joined", [giver]))
    assert joined.status_code == 201, joined.text
    with Session(api.engine) as session:
        assert giver in reform_store.parties_in_region_on(session, day)
    history = [r["trigger"] for r in api.history(giver)]
    assert history == ["reform", "sign_collaboration", "reform", "reform"]


async def test_a_wave_membership_follows_the_merger_to_the_new_municipality(api: Api) -> None:
    member, other = await api.start(2)
    for place in (member, other):
        await drive(
            api,
            place,
            Trigger.SIGN_COLLABORATION,
            Trigger.EXERCISE_OPTION,
            Trigger.START_PREPARATION,
        )
    wave = wave_body()
    created = await api.post("/api/waves", wave)
    assert created.status_code in (200, 201), created.text
    joined = await api.post(f"/api/waves/{wave['id']}/members", {"number": member})
    assert joined.status_code in (200, 201), joined.text
    new = fresh_number()
    api.started.append(new)
    body = plan("merger", [member, other], new_municipalities=[{"number": new, "name": "Bølgeby"}])
    dry = (await admin(api, "POST", "/api/reforms/dry-run", body)).json()
    (follow,) = [f for f in dry["follows"] if f["what"] == "wave"]
    assert (follow["subject"], follow["to_party"], follow["carried"]) == (wave["id"], new, True)
    done = await admin(api, "POST", "/api/reforms", body)
    assert done.status_code == 201, done.text
    ended = next(e for e in done.json()["effects"] if e["party"] == member)
    assert ended["wave_left"] == wave["id"]
    shown = (await api.get(f"/api/waves/{wave['id']}")).json()
    assert [m["number"] for m in shown["members"]] == [new]
    assert (await api.get(f"/api/municipalities/{new}")).json()["wave_id"] == wave["id"]
