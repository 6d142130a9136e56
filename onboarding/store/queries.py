"""Reads of the read model: parties of every kind, their history, and the funnel report."""

from collections.abc import Collection
from datetime import date

from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from onboarding.domain.parties.models import TransitionRecord
from onboarding.domain.parties.registration import Region
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.reports import FunnelReport
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import point_in_time
from onboarding.store.database import utc, utc_or_none
from onboarding.store.tables.parties import (
    AuditEventRow,
    CorrectionRow,
    MunicipalityRow,
    WorkflowRunRow,
)


def list_municipalities(engine: Engine, *, stage: Stage | None = None) -> list[MunicipalityRow]:
    """All municipalities (no other kind of party), by number, optionally only those in `stage`."""
    return list_parties(engine, kind=PartyKind.MUNICIPALITY, stage=stage)


def list_parties(
    engine: Engine,
    *,
    kind: PartyKind | None = None,
    municipality: str | None = None,
    stage: Stage | None = None,
    numbers: Collection[str] | None = None,
    visible_to: Collection[str] | None = None,
) -> list[MunicipalityRow]:
    """Parties of every kind by id, filtered by what is given.

    `municipality`: those whose home municipality it is (itself, its GP offices
    and specialists); `numbers`: only these ids; `visible_to`: only what a
    scope of party ids may see, each id and the parties whose home
    municipality it is (onboarding/access.py).
    """
    query = select(MunicipalityRow).order_by(MunicipalityRow.number)
    if kind is not None:
        query = query.where(MunicipalityRow.kind == kind.value)
    if municipality is not None:
        query = query.where(MunicipalityRow.home_municipality == municipality)
    if stage is not None:
        query = query.where(MunicipalityRow.stage == stage.value)
    if numbers is not None:
        query = query.where(col(MunicipalityRow.number).in_(list(numbers)))
    if visible_to is not None:
        scope = list(visible_to)
        query = query.where(
            or_(
                col(MunicipalityRow.number).in_(scope),
                col(MunicipalityRow.home_municipality).in_(scope),
            )
        )
    with Session(engine) as session:
        return list(session.exec(query).all())


def home_municipality(engine: Engine, *, number: str) -> str | None:
    """The municipality a party is or belongs to (None: a hospital, or no such party)."""
    with Session(engine) as session:
        return session.exec(
            select(MunicipalityRow.home_municipality).where(MunicipalityRow.number == number)
        ).first()


def region(engine: Engine) -> Region:
    """The registered municipalities, as registering another party checks against them."""
    with Session(engine) as session:
        rows = session.exec(
            select(
                MunicipalityRow.number, MunicipalityRow.county, MunicipalityRow.health_trust
            ).where(MunicipalityRow.kind == PartyKind.MUNICIPALITY.value)
        ).all()
    return Region({number: (county, trust) for number, county, trust in rows})


def party_of_row(row: MunicipalityRow) -> Party:
    """The party a current-state row describes, as its workflow carries it."""
    kind = PartyKind(row.kind)
    return Party(
        number=row.number,
        name=row.name,
        county=row.county,
        health_trust=row.health_trust,
        kind=kind,
        org_number=row.org_number,
        municipality_number=None if kind is PartyKind.MUNICIPALITY else row.home_municipality,
        specialty=row.specialty,
        staff_count=row.staff_count,
    )


def get_municipality(engine: Engine, *, number: str) -> MunicipalityRow | None:
    with Session(engine) as session:
        return session.get(MunicipalityRow, number)


def history(engine: Engine, *, number: str) -> list[TransitionRecord]:
    """Every recorded transition of one municipality, oldest first."""
    with Session(engine) as session:
        events = session.exec(
            select(AuditEventRow)
            .where(AuditEventRow.municipality_number == number)
            .order_by(AuditEventRow.seq)  # type: ignore[arg-type]
        ).all()
        return [record_from_event(e) for e in events]


def workflow_runs(engine: Engine, *, number: str) -> list[WorkflowRunRow]:
    """Every run of the municipality's workflow the read model noted, oldest first."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(WorkflowRunRow)
                .where(WorkflowRunRow.municipality_number == number)
                .order_by(WorkflowRunRow.first_seen_at, WorkflowRunRow.id)  # type: ignore[arg-type]
            ).all()
        )


def audit_event(engine: Engine, *, event_id: int) -> AuditEventRow | None:
    """One audit event by id."""
    with Session(engine) as session:
        return session.get(AuditEventRow, event_id)


def last_transitions(
    engine: Engine, *, numbers: list[str] | None = None
) -> dict[str, TransitionRecord]:
    """The latest transition in force of each municipality (that has one)."""
    voided = select(CorrectionRow.event_id).where(CorrectionRow.kind == "void")
    with Session(engine) as session:
        latest = (
            select(AuditEventRow.municipality_number, func.max(AuditEventRow.seq).label("seq"))
            .where(AuditEventRow.id.not_in(voided))  # type: ignore[union-attr]
            .group_by(AuditEventRow.municipality_number)
            .subquery()
        )
        query = select(AuditEventRow).join(
            latest,
            (AuditEventRow.municipality_number == latest.c.municipality_number)  # type: ignore[arg-type]
            & (AuditEventRow.seq == latest.c.seq),
        )
        if numbers is not None:
            query = query.where(AuditEventRow.municipality_number.in_(numbers))  # type: ignore[attr-defined]
        return {e.municipality_number: record_from_event(e) for e in session.exec(query).all()}


def record_from_event(event: AuditEventRow) -> TransitionRecord:
    return TransitionRecord(
        seq=event.seq,
        trigger=Trigger(event.trigger),
        from_stage=Stage(event.from_stage),
        to_stage=Stage(event.to_stage),
        effective_on=event.effective_on,
        evidence=dict(event.evidence),
        comment=event.comment,
        actor=event.actor,
        recorded_at=utc(event.recorded_at),
        idempotency_key=event.idempotency_key,
        workflow_id=event.workflow_id,
        run_id=event.run_id,
        entered_at=utc_or_none(event.entered_at),
    )


def funnel(
    engine: Engine, *, as_of: date, known_on: date | None = None, kind: PartyKind | None = None
) -> FunnelReport:
    """Stage counts and milestones reached on `as_of` (see store/point_in_time.py)."""
    return point_in_time.funnel(engine, as_of=as_of, known_on=known_on, kind=kind)
