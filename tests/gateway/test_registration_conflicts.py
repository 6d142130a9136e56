"""Registering again while an earlier registration commits: a party is no clash with itself.

conflicts() reads the parties' rows, then each organisation number's ids. A
registration that commits between the two (an import repeated after a 503
while the first one's workflows still register) leaves an organisation number
that names the party itself and no row seen for it: that is the same party,
not another one under its number.
"""

from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.domain.party import Party, PartyKind, party_id
from onboarding.gateway.registration import conflicts
from onboarding.store.identifiers import ORG_NUMBER
from onboarding.store.tables.parties import PartyIdentifierRow
from tests.helpers.parties import fresh_org_number


def office(org_number: str) -> Party:
    return Party(
        kind=PartyKind.GP_OFFICE,
        number=party_id(PartyKind.GP_OFFICE, org_number=org_number),
        org_number=org_number,
        name="Legesenter",
        county="Trøndelag",
        health_trust="St. Olavs hospital HF",
        municipality_number="5001",
    )


def name(engine: Engine, org_number: str, party: str) -> None:
    with Session(engine) as session:
        session.add(PartyIdentifierRow(scheme=ORG_NUMBER, value=org_number, party_id=party))
        session.commit()


def test_an_org_number_naming_the_party_itself_is_no_clash(sqlite_engine: Engine) -> None:
    org = fresh_org_number()
    party = office(org)
    name(sqlite_engine, org, party.number)
    present, refused = conflicts(sqlite_engine, [party])
    assert (present, refused) == ([], {})


def test_an_org_number_naming_another_party_is_refused(sqlite_engine: Engine) -> None:
    org = fresh_org_number()
    name(sqlite_engine, org, "specialist-" + org)
    party = office(org)
    _, refused = conflicts(sqlite_engine, [party])
    assert list(refused) == [party.number]
    assert refused[party.number].to_detail()["field"] == "org_number"
