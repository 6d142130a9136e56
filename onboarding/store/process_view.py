"""The process view's reads: parties per stage of one kind, and the road one party took.

Two small queries (a GROUP BY over the parties, a party's audit events), so the
process pages stay fast with thousands of parties.
"""

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow


def stage_counts(engine: Engine, *, kind: PartyKind) -> dict[Stage, int]:
    """How many parties of `kind` stand in each stage now (stages with none left out)."""
    with Session(engine) as session:
        rows = session.exec(
            select(MunicipalityRow.stage, func.count())
            .where(MunicipalityRow.kind == kind.value)
            .group_by(MunicipalityRow.stage)
        ).all()
    return {Stage(stage): count for stage, count in rows}


def path_of(engine: Engine, *, number: str) -> list[tuple[Stage, Stage]]:
    """Every step a party took, oldest first, as its audit log recorded it (from, to)."""
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEventRow.from_stage, AuditEventRow.to_stage)
            .where(AuditEventRow.municipality_number == number)
            .order_by(col(AuditEventRow.seq))
        ).all()
    return [(Stage(source), Stage(dest)) for source, dest in rows]
