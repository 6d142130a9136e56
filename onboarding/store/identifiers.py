"""Identifiers that resolve to a party's id: municipality numbers and organisation numbers.

A party's id never changes (domain/party.py); the numbers people know it by
may. Each identifier row says which party a number named, and from when to
when; a number asked about on a date resolves to the party it named then.
"""

from datetime import date

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from onboarding.store.tables.parties import PartyIdentifierRow

MUNICIPALITY_NUMBER = "municipality_number"
ORG_NUMBER = "org_number"
SCHEMES = (MUNICIPALITY_NUMBER, ORG_NUMBER)


def resolve(engine: Engine, scheme: str, value: str, on: date | None = None) -> list[str]:
    """The ids of the parties `value` named on `on` (any date if None), most recent first.

    One id in a well-kept region; more than one only if a number was reused by
    another party, which the caller shows rather than picks from.
    """
    query = select(PartyIdentifierRow).where(
        PartyIdentifierRow.scheme == scheme, PartyIdentifierRow.value == value
    )
    if on is not None:
        query = query.where(
            or_(
                col(PartyIdentifierRow.valid_from).is_(None),
                col(PartyIdentifierRow.valid_from) <= on,
            ),
            or_(col(PartyIdentifierRow.valid_to).is_(None), col(PartyIdentifierRow.valid_to) > on),
        )
    with Session(engine) as session:
        rows = session.exec(query.order_by(col(PartyIdentifierRow.valid_from).desc())).all()
    seen: list[str] = []
    for row in rows:
        if row.party_id not in seen:
            seen.append(row.party_id)
    return seen
