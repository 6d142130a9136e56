"""Reads of parties of every kind, on SQLite and on PostgreSQL (`sql_engine`): the list and
its filters, what a scope sees, the region a registration is checked against."""

from sqlalchemy import Engine

from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import RegistrationInput
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.store import projection, queries


def registered(engine: Engine, party: Party) -> None:
    projection.register_municipality(
        engine, RegistrationInput(municipality=party, workflow_id=f"w-{party.number}", run_id="r")
    )


def office(org: str, home: str) -> Party:
    return Party(
        number=f"gp-{org}",
        name=f"Legesenter {org}",
        county="Trøndelag",
        health_trust="St. Olavs hospital",
        kind=PartyKind.GP_OFFICE,
        org_number=org,
        municipality_number=home,
        staff_count=7,
    )


def test_parties_by_kind_home_scope_and_stage(sql_engine: Engine) -> None:
    for number, trust in (("8201", "St. Olavs hospital"), ("8202", "Helse Møre og Romsdal")):
        county = "Trøndelag" if number == "8201" else "Møre og Romsdal"
        registered(
            sql_engine,
            Municipality(number=number, name=f"By {number}", county=county, health_trust=trust),
        )
    registered(sql_engine, office("923609016", "8201"))
    registered(sql_engine, office("974760673", "8202"))
    hospital = Party(
        number="hospital-974749025",
        name="Sykehuset",
        county="Trøndelag",
        health_trust="St. Olavs hospital",
        kind=PartyKind.HOSPITAL,
        org_number="974749025",
    )
    registered(sql_engine, hospital)

    def ids(**filters: object) -> list[str]:
        return [row.number for row in queries.list_parties(sql_engine, **filters)]  # type: ignore[arg-type]

    assert ids() == ["8201", "8202", "gp-923609016", "gp-974760673", "hospital-974749025"]
    assert [row.number for row in queries.list_municipalities(sql_engine)] == ["8201", "8202"]
    assert ids(kind=PartyKind.GP_OFFICE) == ["gp-923609016", "gp-974760673"]
    assert ids(municipality="8201") == ["8201", "gp-923609016"]
    assert ids(visible_to=["8202"]) == ["8202", "gp-974760673"]
    assert ids(visible_to=["gp-923609016"]) == ["gp-923609016"]
    assert ids(numbers=["hospital-974749025", "9999"]) == ["hospital-974749025"]
    assert ids(stage=Stage.LIVE) == []
    assert queries.home_municipality(sql_engine, number="gp-923609016") == "8201"
    assert queries.home_municipality(sql_engine, number="hospital-974749025") is None
    region = queries.region(sql_engine)
    assert dict(region.municipalities) == {
        "8201": ("Trøndelag", "St. Olavs hospital"),
        "8202": ("Møre og Romsdal", "Helse Møre og Romsdal"),
    }
    row = queries.get_municipality(sql_engine, number="gp-923609016")
    assert row is not None and queries.party_of_row(row) == office("923609016", "8201")
