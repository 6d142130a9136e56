"""The rows of the party list, from the read model: every party, or those of one kind, in
one municipality, at one stage.

Read from the `municipality` table (one row per party of any kind) in two
queries, without asking Temporal: the list shows what the workflows last
recorded, as the dashboard's region table does.
"""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, select

from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.store.tables.parties import MunicipalityRow

# The list's order: municipalities first, then the kinds as the domain lists them.
KIND_ORDER = {kind: position for position, kind in enumerate(PartyKind)}


@dataclass(frozen=True)
class PartyFilters:
    """What the list is narrowed to; None is any."""

    kind: PartyKind | None = None
    municipality: str | None = None
    stage: Stage | None = None


@dataclass(frozen=True)
class PartyLine:
    """One party on the list, with the name of the municipality it belongs to."""

    number: str
    name: str
    kind: PartyKind
    org_number: str | None
    home_municipality: str | None
    home_name: str | None
    specialty: str | None
    staff_count: int | None
    stage: Stage


def party_lines(engine: Engine, filters: PartyFilters) -> list[PartyLine]:
    """The parties the filters let through: by kind, then name."""
    query = select(MunicipalityRow)
    if filters.kind is not None:
        query = query.where(MunicipalityRow.kind == filters.kind.value)
    if filters.municipality is not None:
        # A municipality's own row has its number here too: it is listed with its parties.
        query = query.where(MunicipalityRow.home_municipality == filters.municipality)
    if filters.stage is not None:
        query = query.where(MunicipalityRow.stage == filters.stage.value)
    with Session(engine) as session:
        rows = session.exec(query).all()
        names = dict(
            session.exec(
                select(MunicipalityRow.number, MunicipalityRow.name).where(
                    MunicipalityRow.kind == PartyKind.MUNICIPALITY.value
                )
            ).all()
        )
    lines = [
        PartyLine(
            number=row.number,
            name=row.name,
            kind=PartyKind(row.kind),
            org_number=row.org_number,
            home_municipality=row.home_municipality,
            home_name=names.get(row.home_municipality or ""),
            specialty=row.specialty,
            staff_count=row.staff_count,
            stage=Stage(row.stage),
        )
        for row in rows
    ]
    return sorted(lines, key=lambda line: (KIND_ORDER[line.kind], line.name, line.number))


def local_parties(engine: Engine, number: str) -> list[PartyLine]:
    """The GP offices and specialists that belong to municipality `number`."""
    return [
        line
        for line in party_lines(engine, PartyFilters(municipality=number))
        if line.kind is not PartyKind.MUNICIPALITY
    ]
