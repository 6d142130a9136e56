"""Every kind of party through its whole road over HTTP, as a coordinator records it.

One scenario, run by the API tests on the time-skipping server and by the
end-to-end tests on `onboarding up` (the real dev server): a hospital, a GP
office and a private specialist are registered beside a municipality, walk
their own roads through `/api/parties/{id}/...`, and go live with it in one
wave recorded after the fact. "Live" is read from each party's own view.
"""

from datetime import date
from typing import Any

from onboarding.demo.wave_driver import (
    Send,
    all_on,
    approve,
    create_and_fill,
    make_ready,
    wave_of_the_day,
)
from onboarding.domain.vocabulary import Trigger
from tests.helpers import EVIDENCE
from tests.helpers.parties import fresh_org_number

OFFICE_ROAD = ("offer_standard_agreement", "sign_standard_agreement", "start_preparation")
HOSPITAL_ROAD = ("start_preparation",)


async def walk(send: Send, party: str, road: tuple[str, ...]) -> None:
    """Record `road`'s triggers for `party`, each with the evidence its process asks for."""
    for trigger in road:
        body = {"trigger": trigger, "evidence": EVIDENCE[Trigger(trigger)]}
        await send("POST", f"/api/parties/{party}/transitions", body)


async def register_every_kind(
    send: Send, municipality: str, health_trust: str, registered: list[str]
) -> dict[str, str]:
    """A hospital of `health_trust`, and a GP office and a specialist in `municipality`.

    Each id is added to `registered` as soon as it exists (for the test's cleanup).
    """
    bodies: list[dict[str, Any]] = [
        {
            "kind": "hospital",
            "org_number": fresh_org_number(),
            "name": "St. Olavs hospital",
            "health_trust": health_trust,
        },
        {
            "kind": "gp_office",
            "org_number": fresh_org_number(),
            "name": "Bakklandet legekontor",
            "municipality_number": municipality,
            "staff_count": 9,
        },
        {
            "kind": "specialist",
            "org_number": fresh_org_number(),
            "name": "Øyelege Nilsen",
            "municipality_number": municipality,
            "health_trust": health_trust,
            "specialty": "Øyesykdommer",
        },
    ]
    ids = {}
    for body in bodies:
        answer = await send("POST", "/api/parties", body)
        ids[answer["kind"]] = answer["number"]
        registered.append(answer["number"])
    return ids


async def every_kind_goes_live(
    send: Send,
    municipality: str,
    municipality_road: tuple[str, ...],
    *,
    health_trust: str,
    wave_id: str,
    on: date,
    registered: list[str],
) -> list[str]:
    """The scenario of the module docstring; returns the members, all live."""
    ids = await register_every_kind(send, municipality, health_trust, registered)
    assert ids["gp_office"].startswith("gp-") and ids["hospital"].startswith("hospital-")
    await walk(send, municipality, municipality_road)
    await walk(send, ids["gp_office"], OFFICE_ROAD)
    await walk(send, ids["specialist"], OFFICE_ROAD)
    await walk(send, ids["hospital"], HOSPITAL_ROAD)

    # The municipality's GP office and specialist are listed with it.
    listed = await send("GET", f"/api/parties?municipality={municipality}", None)
    assert {p["number"] for p in listed} >= {municipality, ids["gp_office"], ids["specialist"]}

    wave = wave_of_the_day(wave_id, on, evidence={"document_ref": "go/no-go"})
    members = [municipality, ids["hospital"], ids["gp_office"], ids["specialist"]]
    await create_and_fill(send, wave, members)
    dates = all_on(on)
    # The municipality first: the GP office's approval asks where it stands.
    for number in members:
        await make_ready(send, wave, number, dates(number), key=f"{wave.id}:{number}")
    view = await approve(send, wave)
    assert {m["number"]: m["status"] for m in view["members"]} == dict.fromkeys(members, "live")

    # Live as each party's own workflow says, whatever the wave says.
    for number in members:
        party = await send("GET", f"/api/parties/{number}", None)
        assert party["stage"] == "live", (number, party["stage"])
    return members
