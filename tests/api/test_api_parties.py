"""/api/parties: the list and its filters, registering one party, importing a file, and the
routes of one party at both prefixes, on the time-skipping server with a real worker."""

from datetime import date, timedelta
from typing import Any

import httpx

from onboarding.domain.vocabulary import Trigger
from onboarding.store import queries, tokens
from onboarding.store.tokens import Role
from tests.helpers import EVIDENCE
from tests.helpers.api import SIGN, Api, assert_rejected
from tests.helpers.parties import bad_check_digit, csv_file, fresh_org_number, gp_office

HOSPITAL = "St. Olavs hospital"  # the health trust Api.start's municipalities have


async def register(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    """Register a party that must be registered (201); its view."""
    response = await api.post("/api/parties", body)
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    api.started.append(view["number"])
    return view


async def send_csv(api: Api, text: str, role: Role = Role.COORDINATOR) -> httpx.Response:
    return await api.http.post(
        "/api/parties/import",
        content=text.encode("utf-8"),
        headers={**api.auth(role), "Content-Type": "text/csv"},
    )


def party_count(api: Api) -> int:
    return len(queries.list_parties(api.engine))


# -- registering one party ----------------------------------------------------------------


async def test_a_gp_office_is_registered_once_and_a_repeat_answers_the_same(api: Api) -> None:
    (home,) = await api.start(1)
    body = gp_office(home)
    first = await register(api, body)
    assert first["number"] == f"gp-{body['org_number']}"
    assert (first["kind"], first["municipality_number"], first["staff_count"]) == (
        "gp_office",
        home,
        12,
    )
    # The municipality's county and health trust, since the body gave none.
    assert (first["county"], first["health_trust"]) == ("Trøndelag", HOSPITAL)
    again = await api.post("/api/parties", body)
    assert again.status_code == 201, again.text
    assert again.json() == first
    row = queries.get_municipality(api.engine, number=first["number"])
    assert row is not None and (row.kind, row.home_municipality) == ("gp_office", home)


async def test_another_party_under_a_registered_id_is_a_409_naming_the_field(api: Api) -> None:
    (home,) = await api.start(1)
    body = gp_office(home)
    await register(api, body)
    clash = await api.post("/api/parties", {**body, "name": "Another office"})
    assert clash.status_code == 409, clash.text
    answer = clash.json()
    assert (answer["error"], answer["field"]) == ("party_exists", "org_number")
    assert answer["number"] == f"gp-{body['org_number']}"
    assert "registered already" in answer["message"]
    # The same organisation number as another kind: the number is the office's already.
    specialist = {
        "kind": "specialist",
        "org_number": body["org_number"],
        "name": "Dr. Lege",
        "health_trust": HOSPITAL,
        "specialty": "psychiatry",
    }
    other_kind = await api.post("/api/parties", specialist)
    assert other_kind.status_code == 409, other_kind.text
    assert other_kind.json()["field"] == "org_number"


async def test_a_registration_that_cannot_be_is_a_422_naming_the_field(api: Api) -> None:
    (home,) = await api.start(1)
    before = party_count(api)
    for body, field_name in (
        ({"kind": "municipality", "org_number": fresh_org_number(), "name": "X"}, "kind"),
        (gp_office(home, municipality_number=None), "municipality_number"),
        (gp_office("0001"), "municipality_number"),
        (gp_office(home, org_number=bad_check_digit(fresh_org_number())), "org_number"),
        (gp_office(home, org_number=None), "org_number"),
        (gp_office(home, specialty="psychiatry"), "specialty"),
        (gp_office(home, health_trust="Helse Atlantis"), "health_trust"),
        ({"kind": "hospital", "org_number": fresh_org_number(), "name": "H"}, "health_trust"),
        (gp_office(home, process_version=99), "process_version"),
    ):
        refused = await api.post("/api/parties", body)
        assert_rejected(refused, field_name)
    refusal = await api.post(
        "/api/parties", {"kind": "municipality", "org_number": fresh_org_number(), "name": "X"}
    )
    assert "POST /api/region/load" in refusal.json()["message"]
    assert party_count(api) == before


async def test_a_hospitals_board_decision_is_open_from_its_registration(api: Api) -> None:
    """Its obligation is declared for `prospective`, where a hospital starts: no transition
    enters that stage, so it opens with the registration, and takes a deadline at once."""
    await api.start(1)
    hospital = await register(
        api,
        {
            "kind": "hospital",
            "org_number": fresh_org_number(),
            "name": "H",
            "health_trust": HOSPITAL,
        },
    )
    path = f"/api/parties/{hospital['number']}/obligations"
    listed = await api.get(path)
    assert listed.status_code == 200, listed.text
    assert [(o["id"], o["status"]) for o in listed.json()] == [("start_preparation", "open")]
    deadline = (date.today() + timedelta(days=60)).isoformat()
    body = {"deadline": deadline, "reason": "the board meets in February"}
    answer = await api.http.put(
        f"{path}/start_preparation", json=body, headers=api.auth(Role.COORDINATOR)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["deadline"] == deadline


# -- importing a file ----------------------------------------------------------------------


async def test_an_import_registers_every_line_and_counts_what_was_there(api: Api) -> None:
    home, other = await api.start(2)
    present = gp_office(home)
    await register(api, present)
    new = [gp_office(home), gp_office(other, staff_count=None)]
    hospital = {
        "kind": "hospital",
        "org_number": fresh_org_number(),
        "name": "Testby sykehus",
        "health_trust": HOSPITAL,
        "staff_count": 3000,
    }
    response = await send_csv(api, csv_file(present, *new, hospital))
    assert response.status_code == 200, response.text
    answer = response.json()
    api.started.extend(answer["numbers"])
    assert (answer["registered"], answer["present"]) == (3, 1)
    ids = [f"gp-{b['org_number']}" for b in (present, *new)] + [
        f"hospital-{hospital['org_number']}"
    ]
    assert answer["numbers"] == ids
    listed = (await api.get("/api/parties", params={"municipality": home})).json()
    assert [p["number"] for p in listed] == sorted([home, ids[0], ids[1]])
    row = queries.get_municipality(api.engine, number=ids[3])
    assert row is not None and (row.kind, row.home_municipality, row.staff_count) == (
        "hospital",
        None,
        3000,
    )
    # Importing the same file again registers nothing.
    again = await send_csv(api, csv_file(present, *new, hospital))
    assert (again.json()["registered"], again.json()["present"]) == (0, 4)


async def test_a_bad_org_number_refuses_the_whole_file_naming_line_and_field(api: Api) -> None:
    home, _ = await api.start(2)
    good = [gp_office(home), gp_office(home)]
    bad = gp_office(home, org_number=bad_check_digit(fresh_org_number()))
    unknown = gp_office("0001")
    before = party_count(api)
    response = await send_csv(api, csv_file(good[0], bad, good[1], unknown, good[0]))
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["field"] == "line 3 org_number"
    assert "check digit" in answer["errors"][0]["message"]
    assert [e["field"] for e in answer["errors"]] == [
        "line 3 org_number",
        "line 5 municipality_number",
        "line 6 org_number",  # the same office as line 2
    ]
    assert "nothing was registered" in answer["message"]
    assert party_count(api) == before
    for body in good:
        assert queries.get_municipality(api.engine, number=f"gp-{body['org_number']}") is None


async def test_a_file_that_is_not_the_import_format_is_refused(api: Api) -> None:
    (home,) = await api.start(1)
    wrong_header = "kind,org,name\ngp_office,923609016,X\n"
    assert_rejected(await send_csv(api, wrong_header), "line 1 header")
    latin1 = csv_file(gp_office(home, name="Ørland legekontor")).encode("latin-1")
    response = await api.http.post(
        "/api/parties/import",
        content=latin1,
        headers={**api.auth(Role.COORDINATOR), "Content-Type": "text/csv"},
    )
    assert_rejected(response, "file")
    assert_rejected(await send_csv(api, csv_file()), "file")


# -- the list ------------------------------------------------------------------------------


async def test_the_list_filters_by_kind_municipality_stage_and_org_number(api: Api) -> None:
    home, other = await api.start(2)
    await api.move(home, SIGN)
    office = await register(api, gp_office(home))
    await register(api, gp_office(other))

    async def listed(**params: str) -> list[str]:
        response = await api.get("/api/parties", params=params)
        assert response.status_code == 200, response.text
        return [p["number"] for p in response.json()]

    assert await listed(municipality=home) == sorted([home, office["number"]])
    assert await listed(municipality=home, kind="gp_office") == [office["number"]]
    assert home in await listed(kind="municipality", stage="collaboration_signed")
    assert office["number"] not in await listed(stage="collaboration_signed")
    org = office["number"].removeprefix("gp-")
    assert await listed(org_number=org) == [office["number"]]
    summary = (await api.get("/api/parties", params={"org_number": org})).json()[0]
    assert summary == {
        "number": office["number"],
        "kind": "gp_office",
        "name": office["name"],
        "org_number": org,
        "home_municipality": home,
        "county": "Trøndelag",
        "health_trust": HOSPITAL,
        "specialty": None,
        "staff_count": 12,
        "stage": "prospective",
        "paused_from": None,
        "last_transition": None,
        "current_number": None,
    }
    # The municipalities' list stays a list of municipalities.
    municipalities = (await api.get("/api/municipalities")).json()
    assert office["number"] not in {m["number"] for m in municipalities}
    assert {home, other} <= {m["number"] for m in municipalities}
    assert_rejected(await api.get("/api/parties", params={"org_number": "123"}), "org_number")
    assert_rejected(await api.get("/api/parties", params={"kind": "school"}), "kind")


# -- one party, at both prefixes ------------------------------------------------------------


async def test_a_municipality_answers_at_both_prefixes_and_a_gp_office_at_one(api: Api) -> None:
    (home,) = await api.start(1)
    office = await register(api, gp_office(home))
    for prefix in ("/api/municipalities", "/api/parties"):
        shown = await api.get(f"{prefix}/{home}")
        assert shown.status_code == 200, shown.text
        assert shown.json()["number"] == home
    moved = await api.post(f"/api/parties/{home}/transitions", SIGN)
    assert moved.status_code == 200, moved.text
    history = (await api.get(f"/api/municipalities/{home}/history")).json()
    assert [h["trigger"] for h in history] == ["sign_collaboration"]
    number = office["number"]
    for path in ("", "/history", "/timeline", "/obligations", "/contacts", "/engine", "/waves"):
        response = await api.get(f"/api/parties/{number}{path}")
        assert response.status_code == 200, (path, response.text)
    assert (await api.get(f"/api/parties/{number}")).json()["kind"] == "gp_office"
    # The program's audit log and outbox filter on any party's id.
    offer = {
        "trigger": "offer_standard_agreement",
        "evidence": EVIDENCE[Trigger.OFFER_STANDARD_AGREEMENT],
    }
    assert (await api.post(f"/api/parties/{number}/transitions", offer)).status_code == 200
    audit = await api.get("/api/audit", Role.ADMIN, params={"municipality": number})
    assert audit.status_code == 200, audit.text
    assert [e["municipality_number"] for e in audit.json()["items"]] == [number]
    outbox = await api.get("/api/notifications", params={"municipality": number})
    assert outbox.status_code == 200 and outbox.json() == []
    # The municipality prefix takes municipality numbers only; an unknown party is a 404.
    assert_rejected(await api.get(f"/api/municipalities/{number}"), "number")
    missing = await api.get(f"/api/parties/gp-{fresh_org_number()}")
    assert missing.status_code == 404 and "no party with id" in missing.json()["message"]
    assert_rejected(await api.get("/api/parties/gp-1234"), "number")


async def test_one_transition_for_many_gp_offices_by_id_and_by_kind_and_stage(api: Api) -> None:
    (home,) = await api.start(1)
    offices = [(await register(api, gp_office(home)))["number"] for _ in range(2)]
    offer = {
        "trigger": "offer_standard_agreement",
        "evidence": EVIDENCE[Trigger.OFFER_STANDARD_AGREEMENT],
        "numbers": offices,
    }
    offered = await api.post("/api/bulk/transitions", offer)
    assert offered.status_code == 200, offered.text
    assert [(r["number"], r["stage"]) for r in offered.json()["results"]] == [
        (office, "agreement_offered") for office in offices
    ]
    # By stage, of one kind: the municipality in its own stage is not picked.
    sign = {
        "trigger": "sign_standard_agreement",
        "evidence": EVIDENCE[Trigger.SIGN_STANDARD_AGREEMENT],
        "stage": "agreement_offered",
        "kind": "gp_office",
    }
    signed = (await api.post("/api/bulk/transitions", sign)).json()
    assert {
        r["number"]: r["stage"] for r in signed["results"] if r["number"] in offices
    } == dict.fromkeys(offices, "agreement_signed")
    assert home not in {r["number"] for r in signed["results"]}


# -- scopes ---------------------------------------------------------------------------------


def scoped(api: Api, *scope: str) -> dict[str, str]:
    _, secret = tokens.create_token(
        api.engine, name=f"scoped {'+'.join(scope)}", role=Role.MUNICIPALITY, scope=list(scope)
    )
    return {"Authorization": f"Bearer {secret}"}


async def test_a_municipality_token_sees_its_gp_offices_and_an_office_token_only_itself(
    api: Api,
) -> None:
    home, other = await api.start(2)
    mine, also_mine = (
        (await register(api, gp_office(home)))["number"],
        (await register(api, gp_office(home)))["number"],
    )
    theirs = (await register(api, gp_office(other)))["number"]
    municipal = scoped(api, home)
    for number in (home, mine, also_mine):
        response = await api.http.get(f"/api/parties/{number}/history", headers=municipal)
        assert response.status_code == 200, (number, response.text)
    for number in (other, theirs):
        response = await api.http.get(f"/api/parties/{number}", headers=municipal)
        assert response.status_code == 403, (number, response.text)
    contacts = [{"role": "municipality_contact", "name": "Kari", "email": "kari@lege.no"}]
    written = await api.http.put(f"/api/parties/{mine}/contacts", json=contacts, headers=municipal)
    assert written.status_code == 200, written.text
    listed = await api.http.get("/api/parties", headers=municipal)
    assert [p["number"] for p in listed.json()] == sorted([home, mine, also_mine])

    office = scoped(api, mine)
    assert (await api.http.get(f"/api/parties/{mine}", headers=office)).status_code == 200
    for number in (also_mine, home):
        response = await api.http.get(f"/api/parties/{number}", headers=office)
        assert response.status_code == 403, (number, response.text)
    assert (await api.http.get(f"/api/municipalities/{home}", headers=office)).status_code == 403
    listed = await api.http.get("/api/parties", headers=office)
    assert [p["number"] for p in listed.json()] == [mine]
    # Staff-only routes stay staff-only for both.
    for headers in (municipal, office):
        assert (await api.http.get("/api/municipalities", headers=headers)).status_code == 403
        refused = await api.http.post(f"/api/parties/{mine}/transitions", json={}, headers=headers)
        assert refused.status_code == 403


async def test_a_token_is_scoped_to_a_gp_office_through_the_api(api: Api) -> None:
    (home,) = await api.start(1)
    office = (await register(api, gp_office(home)))["number"]
    body = {"name": "Legekontoret", "role": "municipality", "scope": [office]}
    response = await api.post("/api/users", body, role=Role.ADMIN)
    assert response.status_code == 201, response.text
    assert response.json()["scope"] == [office]
    unknown = {**body, "scope": [f"gp-{fresh_org_number()}"]}
    assert_rejected(await api.post("/api/users", unknown, role=Role.ADMIN), "scope")
    assert_rejected(
        await api.post("/api/users", {**body, "scope": ["gp-12"]}, role=Role.ADMIN), "scope"
    )
