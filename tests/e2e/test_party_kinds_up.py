"""Every kind of party through its whole road on `onboarding up`: the real dev server, over HTTP.

A hospital, a GP office in Trondheim and a private specialist are registered
through the API beside the region's municipalities, walk their own roads
through `/api/parties/{id}/...`, and go live in one wave with Trondheim
(recorded after the fact, as the demo's waves are). "Live" is counted from
each party's own stage, not from the wave's status.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from onboarding.demo.wave_driver import (
    all_on,
    approve,
    create_and_fill,
    make_ready,
    wave_of_the_day,
)
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.party import org_number_check_digit
from onboarding.domain.vocabulary import Trigger
from onboarding.store.tokens import Role
from tests.helpers import EVIDENCE
from tests.helpers.up import Served, up_with_tokens

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(480)]

TRONDHEIM = "5001"
# Municipality process v2, prospective to service agreement signed.
MUNICIPALITY_ROAD = (
    "sign_collaboration",
    "exercise_option",
    "start_preparation",
    "sign_call_off_agreement",
    "sign_service_agreement",
)
OFFICE_ROAD = ("offer_standard_agreement", "sign_standard_agreement", "start_preparation")


def org_number(first_eight: str) -> str:
    digit = org_number_check_digit(first_eight)
    assert digit is not None
    return f"{first_eight}{digit}"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with up_with_tokens(tmp_path / "data", "kinds") as instance:
        yield instance


def send_with(served: Served) -> Any:
    headers = {"Authorization": f"Bearer {served.tokens[Role.COORDINATOR]}"}

    async def send(method: str, path: str, body: Any) -> Any:
        async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=30) as http:
            # The wave driver speaks the municipality routes; every party answers there
            # under /api/parties, the municipalities' included.
            path = path.replace("/api/municipalities/", "/api/parties/")
            answer = await http.request(method, path, json=body)
        assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    return send


async def walk(send: Any, party: str, road: tuple[str, ...]) -> None:
    for trigger in road:
        body = {"trigger": trigger, "evidence": EVIDENCE[Trigger(trigger)]}
        await send("POST", f"/api/parties/{party}/transitions", body)


async def test_every_kind_walks_its_road_and_goes_live_on_the_dev_server(served: Served) -> None:
    send = send_with(served)
    hospital = await send(
        "POST",
        "/api/parties",
        {
            "kind": "hospital",
            "org_number": org_number("97000001"),
            "name": "St. Olavs hospital",
            "health_trust": "St. Olavs hospital HF",
        },
    )
    office = await send(
        "POST",
        "/api/parties",
        {
            "kind": "gp_office",
            "org_number": org_number("97000002"),
            "name": "Bakklandet legekontor",
            "municipality_number": TRONDHEIM,
            "staff_count": 9,
        },
    )
    specialist = await send(
        "POST",
        "/api/parties",
        {
            "kind": "specialist",
            "org_number": org_number("97000003"),
            "name": "Øyelege Nilsen",
            "municipality_number": TRONDHEIM,
            "health_trust": "St. Olavs hospital HF",
            "specialty": "Øyesykdommer",
        },
    )
    ids = {p["kind"]: p["number"] for p in (hospital, office, specialist)}
    assert ids["gp_office"].startswith("gp-") and ids["hospital"].startswith("hospital-")

    await walk(send, TRONDHEIM, MUNICIPALITY_ROAD)
    await walk(send, ids["gp_office"], OFFICE_ROAD)
    await walk(send, ids["specialist"], OFFICE_ROAD)
    await walk(send, ids["hospital"], ("start_preparation",))

    # Trondheim's GP offices and specialists are listed with it.
    listed = await send("GET", f"/api/parties?municipality={TRONDHEIM}", None)
    assert {p["number"] for p in listed} >= {TRONDHEIM, ids["gp_office"], ids["specialist"]}

    today = today_in_oslo()
    wave = wave_of_the_day("kinds-first-go-live", today, evidence={"document_ref": "go/no-go"})
    members = [TRONDHEIM, ids["hospital"], ids["gp_office"], ids["specialist"]]
    await create_and_fill(send, wave, members)
    dates = all_on(today)
    # The municipality first: the GP office's approval asks where it stands.
    for number in members:
        await make_ready(send, wave, number, dates(number), key=f"{wave.id}:{number}")
    view = await approve(send, wave)
    assert {m["number"]: m["status"] for m in view["members"]} == dict.fromkeys(members, "live")

    # Live as each party's own workflow and its row say, whatever the wave says.
    for number in members:
        party = await send("GET", f"/api/parties/{number}", None)
        assert party["stage"] == "live", (number, party["stage"])
    rows = await send("GET", "/api/parties?stage=live", None)
    assert {p["number"] for p in rows} >= set(members)
