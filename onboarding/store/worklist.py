"""The coordinator's work list from the read model, in a fixed number of queries.

One query reads the parties the filters let through; the obligations, the
failed outbox rows and each party's latest transition are read with those
parties as a subquery (never a query per party), and the wave blockers come
from store.waves.blockers_of (four queries for every wave at once).
"""

from datetime import date, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from onboarding.domain.notifications import NotificationStatus
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.models import MemberStatus, WaveStatus
from onboarding.domain.worklist import (
    BlockedMember,
    DeadlineItem,
    FailedNotification,
    PartyRef,
    StuckParty,
    Worklist,
    WorklistFilters,
    counts_of,
    stuck_reason,
)
from onboarding.store.database import utc
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow
from onboarding.store.tables.waves import WaveMemberRow
from onboarding.store.waves import blockers_of

# Outbox rows that reached nobody.
UNDELIVERED = (NotificationStatus.FAILED.value, NotificationStatus.NO_RECIPIENT.value)
# Waves whose members can still block them.
OPEN_WAVES = frozenset({WaveStatus.PLANNED, WaveStatus.FROZEN})


def _party_ids(filters: WorklistFilters) -> SelectOfScalar[str]:
    """The ids of the parties the filters let through, as a subquery."""
    query = select(MunicipalityRow.number)
    if filters.health_trust is not None:
        query = query.where(MunicipalityRow.health_trust == filters.health_trust)
    if filters.kind is not None:
        query = query.where(MunicipalityRow.kind == filters.kind.value)
    if filters.stage is not None:
        query = query.where(MunicipalityRow.stage == filters.stage.value)
    if filters.wave is not None:
        members = select(WaveMemberRow.number).where(WaveMemberRow.wave_id == filters.wave)
        query = query.where(col(MunicipalityRow.number).in_(members))
    return query


def _ref(row: MunicipalityRow) -> PartyRef:
    return PartyRef(
        id=row.number,
        name=row.name,
        kind=PartyKind(row.kind),
        stage=Stage(row.stage),
        health_trust=row.health_trust,
    )


def worklist(
    engine: Engine, *, filters: WorklistFilters, checklist: list[str], today: date
) -> Worklist:
    """Deadlines due within `filters.days` and overdue, blocking wave members, undelivered
    notifications and stuck parties, for the parties the filters let through."""
    ids = _party_ids(filters)
    until = today + timedelta(days=filters.days)
    with Session(engine) as session:
        parties = {
            row.number: row
            for row in session.exec(
                select(MunicipalityRow).where(col(MunicipalityRow.number).in_(ids))
            ).all()
        }
        obligations = session.exec(
            select(ObligationRow).where(
                ObligationRow.status == ObligationStatus.OPEN.value,
                col(ObligationRow.effective_deadline) <= until,
                col(ObligationRow.municipality_number).in_(ids),
            )
        ).all()
        notifications = session.exec(
            select(NotificationRow)
            .where(
                col(NotificationRow.status).in_(UNDELIVERED),
                col(NotificationRow.municipality_number).in_(ids),
            )
            .order_by(col(NotificationRow.due_at).desc(), col(NotificationRow.id).desc())
        ).all()
        latest = {
            number: (seq, on)
            for number, seq, on in session.exec(
                select(
                    AuditEventRow.municipality_number,
                    func.max(AuditEventRow.seq),
                    func.max(AuditEventRow.effective_on),
                )
                .where(col(AuditEventRow.municipality_number).in_(ids))
                .group_by(AuditEventRow.municipality_number)
            ).all()
        }
    deadlines = sorted(
        (
            DeadlineItem(
                party=_ref(parties[row.municipality_number]),
                obligation_id=row.obligation_id,
                label=row.label,
                deadline=row.deadline or due_on,
                effective_deadline=due_on,
                days_left=(due_on - today).days,
            )
            for row in obligations
            if (due_on := row.effective_deadline) is not None and row.municipality_number in parties
        ),
        key=lambda d: (d.days_left, d.party.name, d.obligation_id),
    )
    failed = [
        FailedNotification(
            id=row.id or 0,
            party=_ref(parties[row.municipality_number]),
            obligation_label=row.obligation_label,
            kind=row.kind,
            status=row.status,
            recipient_role=row.recipient_role,
            last_error=row.last_error,
            due_at=utc(row.due_at),
        )
        for row in notifications
        if row.municipality_number in parties
    ]
    overdue = [d for d in deadlines if d.days_left < 0]
    due = [d for d in deadlines if d.days_left >= 0]
    blocked = _blocked(engine, filters, parties, checklist, today)
    stuck = _stuck(parties, latest, today)
    return Worklist(
        as_of=today,
        filters=filters,
        counts=counts_of(overdue=overdue, due=due, blocked=blocked, failed=failed, stuck=stuck),
        overdue=overdue,
        due=due,
        blocked=blocked,
        failed_notifications=failed,
        stuck=stuck,
    )


def _blocked(
    engine: Engine,
    filters: WorklistFilters,
    parties: dict[str, MunicipalityRow],
    checklist: list[str],
    today: date,
) -> list[BlockedMember]:
    """Members of planned or approved waves with a condition missing or an item overdue."""
    waves = blockers_of(
        engine,
        wave_ids=[filters.wave] if filters.wave is not None else None,
        checklist=checklist,
        as_of=today,
    )
    return [
        BlockedMember(
            party=_ref(parties[member.number]),
            wave_id=wave.wave_id,
            wave_name=wave.name,
            go_live_at=wave.go_live_at,
            missing=member.missing,
            overdue=member.overdue,
        )
        for wave in waves
        if wave.status in OPEN_WAVES
        for member in wave.members
        if member.member_status is MemberStatus.MEMBER
        and (member.missing or member.overdue)
        and member.number in parties
    ]


def _stuck(
    parties: dict[str, MunicipalityRow],
    latest: dict[str, tuple[int, date]],
    today: date,
) -> list[StuckParty]:
    """Parties whose row lags their audit log, or that have not moved for long."""
    found: list[StuckParty] = []
    for number, row in parties.items():
        log_seq, last_on = latest.get(number, (0, None))
        reason = stuck_reason(
            stage=Stage(row.stage),
            row_seq=row.last_seq,
            log_seq=log_seq,
            last_transition_on=last_on,
            today=today,
        )
        if reason is not None:
            found.append(
                StuckParty(
                    party=_ref(row),
                    reason=reason,
                    last_transition_on=last_on,
                    days_since=(today - last_on).days if last_on is not None else None,
                    row_seq=row.last_seq,
                    log_seq=log_seq,
                )
            )
    return sorted(found, key=lambda s: (s.reason.value, -(s.days_since or 0), s.party.name))


def health_trusts(engine: Engine) -> list[str]:
    """The health trusts the parties belong to, for the filter's choices."""
    with Session(engine) as session:
        query = select(MunicipalityRow.health_trust).distinct()
        return sorted(session.exec(query).all())
