"""Reads of the read model: municipalities, their history, and the funnel report."""

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Engine, case, func
from sqlmodel import Session, select

from onboarding.models import Actor, TransitionRecord
from onboarding.process import MILESTONE_RANK, MILESTONES, Stage, Trigger
from onboarding.reports import FunnelReport
from onboarding.store.database import utc
from onboarding.store.tables import AuditEvent, MunicipalityRow


def list_municipalities(engine: Engine, *, stage: Stage | None = None) -> list[MunicipalityRow]:
    """All municipalities, by number, optionally only those in `stage`."""
    with Session(engine) as session:
        query = select(MunicipalityRow).order_by(MunicipalityRow.number)
        if stage is not None:
            query = query.where(MunicipalityRow.stage == stage.value)
        return list(session.exec(query).all())


def get_municipality(engine: Engine, *, number: str) -> MunicipalityRow | None:
    with Session(engine) as session:
        return session.get(MunicipalityRow, number)


def history(engine: Engine, *, number: str) -> list[TransitionRecord]:
    """Every recorded transition of one municipality, oldest first."""
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.municipality_number == number)
            .order_by(AuditEvent.seq)  # type: ignore[arg-type]
        ).all()
        return [record_from_event(e) for e in events]


def last_transitions(
    engine: Engine, *, numbers: list[str] | None = None
) -> dict[str, TransitionRecord]:
    """The latest transition of each municipality (that has one)."""
    with Session(engine) as session:
        latest = (
            select(AuditEvent.municipality_number, func.max(AuditEvent.seq).label("seq"))
            .group_by(AuditEvent.municipality_number)
            .subquery()
        )
        query = select(AuditEvent).join(
            latest,
            (AuditEvent.municipality_number == latest.c.municipality_number)  # type: ignore[arg-type]
            & (AuditEvent.seq == latest.c.seq),
        )
        if numbers is not None:
            query = query.where(AuditEvent.municipality_number.in_(numbers))  # type: ignore[attr-defined]
        return {e.municipality_number: record_from_event(e) for e in session.exec(query).all()}


def record_from_event(event: AuditEvent) -> TransitionRecord:
    return TransitionRecord(
        seq=event.seq,
        trigger=Trigger(event.trigger),
        from_stage=Stage(event.from_stage),
        to_stage=Stage(event.to_stage),
        effective_on=event.effective_on,
        evidence=dict(event.evidence),
        comment=event.comment,
        actor=Actor(id=event.actor_id, name=event.actor_name, role=event.actor_role),
        recorded_at=utc(event.recorded_at),
        idempotency_key=event.idempotency_key,
        workflow_id=event.workflow_id,
        run_id=event.run_id,
    )


def funnel(engine: Engine, *, as_of: date) -> FunnelReport:
    """Stage counts and milestones reached on `as_of`, by effective date.

    A municipality's stage on a date is the destination of its last transition
    that took effect on or before it (effective dates never go backwards within
    a municipality, so the last by seq is the last by date). One with no such
    transition was still prospective.
    """
    with Session(engine) as session:
        numbers = list(session.exec(select(MunicipalityRow.number)).all())
        upto = select(AuditEvent).where(AuditEvent.effective_on <= as_of).subquery()
        last_seq = (
            select(upto.c.municipality_number, func.max(upto.c.seq).label("seq"))
            .group_by(upto.c.municipality_number)
            .subquery()
        )
        stage_rows = session.exec(
            select(upto.c.municipality_number, upto.c.to_stage).join(
                last_seq,
                (upto.c.municipality_number == last_seq.c.municipality_number)
                & (upto.c.seq == last_seq.c.seq),
            )
        ).all()
        reached_rows = session.exec(
            select(upto.c.municipality_number, func.max(_milestone_rank(upto.c.to_stage))).group_by(
                upto.c.municipality_number
            )
        ).all()
    stage_of = {number: Stage(stage) for number, stage in stage_rows}
    stages = Counter(stage_of.get(number, Stage.PROSPECTIVE) for number in numbers)
    top_rank = {number: int(top or 0) for number, top in reached_rows}
    return FunnelReport(
        as_of=as_of,
        total=len(numbers),
        stages={stage.value: stages.get(stage, 0) for stage in Stage},
        reached={
            m.value: sum(1 for n in numbers if top_rank.get(n, 0) >= MILESTONE_RANK[m])
            for m in MILESTONES
        },
    )


def _milestone_rank(column: Any) -> Any:
    """SQL: the milestone rank of a stage column (0 for stages off the main road)."""
    return case(*((column == stage.value, MILESTONE_RANK[stage]) for stage in MILESTONES), else_=0)
