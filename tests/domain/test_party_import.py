"""Registering parties and their import file, as pure rules: what each kind needs, and every
bad line of a file named with its field."""

import pytest
from pydantic import ValidationError

from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.import_file import ImportRefused, parse_import
from onboarding.domain.parties.registration import PartyRegistration, Region, party_of
from onboarding.domain.party import PartyKind

REGION = Region(
    {
        "5001": ("Trøndelag", "St. Olavs hospital"),
        "1508": ("Møre og Romsdal", "Helse Møre og Romsdal"),
    }
)
HEADER = "kind,org_number,name,municipality_number,health_trust,specialty,staff_count"


def refused_field(body: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        PartyRegistration.model_validate(body)
    context = caught.value.errors()[0].get("ctx") or {}
    return str(context.get("field") or caught.value.errors()[0]["loc"][0])


def test_each_kind_takes_what_it_needs_from_its_municipality_or_trust() -> None:
    office = party_of(
        PartyRegistration(
            kind=PartyKind.GP_OFFICE,
            org_number="923609016",
            name=" Moholt ",
            municipality_number="5001",
        ),
        REGION,
    )
    assert (office.number, office.name, office.county, office.health_trust) == (
        "gp-923609016",
        "Moholt",
        "Trøndelag",
        "St. Olavs hospital",
    )
    assert office.home_municipality == "5001"
    hospital = party_of(
        PartyRegistration(
            kind=PartyKind.HOSPITAL,
            org_number="974749025",
            name="Ålesund sjukehus",
            health_trust="Helse Møre og Romsdal",
        ),
        REGION,
    )
    assert (hospital.number, hospital.county, hospital.home_municipality) == (
        "hospital-974749025",
        "Møre og Romsdal",
        None,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "municipality", "org_number": "923609016", "name": "X"}, "kind"),
        ({"kind": "gp_office", "org_number": "923609016", "name": "X"}, "municipality_number"),
        (
            {
                "kind": "gp_office",
                "org_number": "923609017",
                "name": "X",
                "municipality_number": "5001",
            },
            "org_number",
        ),
        ({"kind": "hospital", "org_number": "974749025", "name": "X"}, "health_trust"),
        (
            {
                "kind": "hospital",
                "org_number": "974749025",
                "name": "X",
                "health_trust": "T",
                "municipality_number": "5001",
            },
            "municipality_number",
        ),
        (
            {"kind": "specialist", "org_number": "974760673", "name": "X", "health_trust": "T"},
            "specialty",
        ),
        (
            {
                "kind": "gp_office",
                "org_number": "923609016",
                "name": "X",
                "municipality_number": "5001",
                "specialty": "psychiatry",
            },
            "specialty",
        ),
        (
            {
                "kind": "gp_office",
                "org_number": "923609016",
                "name": "  ",
                "municipality_number": "5001",
            },
            "name",
        ),
    ],
)
def test_a_registration_names_the_field_it_lacks(body: dict[str, object], field: str) -> None:
    assert refused_field(body) == field


def test_the_region_decides_municipality_and_trust() -> None:
    unknown = PartyRegistration(
        kind=PartyKind.GP_OFFICE, org_number="923609016", name="X", municipality_number="0001"
    )
    with pytest.raises(RequestRejected) as caught:
        party_of(unknown, REGION)
    assert caught.value.field == "municipality_number"
    nowhere = PartyRegistration(
        kind=PartyKind.HOSPITAL, org_number="974749025", name="X", health_trust="Helse Atlantis"
    )
    with pytest.raises(RequestRejected) as caught:
        party_of(nowhere, REGION)
    assert caught.value.field == "health_trust"
    assert "allowed: Helse Møre og Romsdal, St. Olavs hospital" in caught.value.message


def test_every_bad_line_is_named_and_no_party_comes_back() -> None:
    text = "\n".join(
        [
            HEADER,
            "gp_office,923609016,Moholt legesenter,5001,,,12",
            "gp_office,923609017,Feil sjekksiffer,5001,,,",
            "specialist,974760673,Psykiater,,St. Olavs hospital,psychiatry,",
            "gp_office,923609016,Moholt igjen,5001,,,",
            "gp_office,974749025,Ukjent kommune,0001,,,",
            "school,974749025,Skole,5001,,,",
            "gp_office,974749025,Mange ansatte,5001,,,-3",
        ]
    )
    with pytest.raises(ImportRefused) as caught:
        parse_import(text, REGION)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (3, "org_number"),
        (5, "org_number"),
        (6, "municipality_number"),
        (7, "kind"),
        (8, "staff_count"),
    ]
    assert "check digit" in caught.value.problems[0].message
    assert "on line 2 already" in caught.value.problems[1].message
    detail = caught.value.to_detail()
    assert detail["field"] == "line 3 org_number" and len(detail["errors"]) == 5


def test_a_good_file_gives_its_parties_in_order_and_a_shifted_line_stops_it() -> None:
    text = "\n".join(
        [
            HEADER,
            "gp_office,923609016,Moholt,5001,,,12",
            "hospital,974749025,St. Olav,,St. Olavs hospital,,",
        ]
    )
    lines = parse_import(text, REGION)
    assert [(line.line, line.party.number) for line in lines] == [
        (2, "gp-923609016"),
        (3, "hospital-974749025"),
    ]
    shifted = f"{HEADER}\ngp_office,923609016,Moholt, Trondheim,5001,,,12\n"
    with pytest.raises(ImportRefused) as caught:
        parse_import(shifted, REGION)
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "row")]
    with pytest.raises(ImportRefused) as caught:
        parse_import("kind,org\n", REGION)
    assert caught.value.problems[0].field == "header"
    with pytest.raises(RequestRejected) as empty:
        parse_import(HEADER + "\n", REGION)
    assert empty.value.field == "file"
