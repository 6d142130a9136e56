"""The coordinator's work list from the read model, in a fixed number of queries.

The stuck parties are found in SQL: one query judges every party the filters
let through by its latest transition (kept beside its row in `party_log`,
never read from the log) and returns the first rows in the list's order with how many there are.
The obligations and the failed outbox rows are read with the filtered parties
as a subquery (never a query per party), the wave blockers come from
store.waves.blockers_of (four queries for every wave at once), and the
parties those rows name are then read by id. At the size of a country
(10,000 parties, a million events: bench/pages_scale.py) the page asks for
the first rows of each part only, so no query returns every party.
"""

from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, and_, case, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from onboarding.domain.notifications import NotificationStatus
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.blockers import MemberReadiness, WaveBlockers
from onboarding.domain.waves.models import MemberStatus, WaveStatus
from onboarding.domain.worklist import (
    RESTING_STAGES,
    STALE_DAYS,
    BlockedMember,
    DeadlineItem,
    FailedNotification,
    PartyRef,
    StuckParty,
    StuckReason,
    Worklist,
    WorklistCounts,
    WorklistFilters,
)
from onboarding.store.database import utc
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tables.parties import MunicipalityRow, PartyLogRow
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


class _Party(NamedTuple):
    """A party's row as the work list reads it, with its log's latest transition."""

    number: str
    name: str
    kind: str
    stage: str
    health_trust: str
    last_seq: int
    log_seq: int | None
    last_on: date | None


def _ref(row: _Party) -> PartyRef:
    return PartyRef(
        id=row.number,
        name=row.name,
        kind=PartyKind(row.kind),
        stage=Stage(row.stage),
        health_trust=row.health_trust,
    )


def _with_latest() -> tuple[Any, Any]:
    """SELECT of every party with its log's latest seq and effective date (a `_Party`), and
    the party table.

    The latest transition of each party's log is on its `party_log` row, kept by
    the database with every insert into the log (store/party_log.py): one join,
    where a probe of the million-row log for each party took 100 ms and more.
    """
    party = MunicipalityRow.__table__  # type: ignore[attr-defined]
    latest = PartyLogRow.__table__  # type: ignore[attr-defined]
    query = (
        core_select(
            party.c.number,
            party.c.name,
            party.c.kind,
            party.c.stage,
            party.c.health_trust,
            party.c.last_seq,
            latest.c.last_seq,
            latest.c.last_effective_on,
        )
        .select_from(party)
        .outerjoin(latest, latest.c.municipality_number == party.c.number)
    )
    return query, party


def _stuck_rows(
    session: Session,
    ids: SelectOfScalar[str],
    *,
    dialect: str,
    today: date,
    limit: int | None,
) -> tuple[int, list[tuple[_Party, StuckReason]]]:
    """How many of the parties the filters let through are stuck, and the first `limit` of
    them in the list's order: by reason, longest unmoved first, then name.

    domain.worklist.stuck_reason, in SQL: only the stuck rows kept are read.
    Names are compared by code point as Python does (PostgreSQL's "C"
    collation; SQLite's is already).
    """
    query, party = _with_latest()
    log_seq = func.coalesce(query.selected_columns[6], 0)
    last_on = query.selected_columns[7]
    resting = [stage.value for stage in RESTING_STAGES]
    reason = case(
        (party.c.last_seq < log_seq, StuckReason.ROW_BEHIND.value),
        (
            and_(
                party.c.stage.not_in(resting),
                last_on.is_not(None),
                last_on <= today - timedelta(days=STALE_DAYS),
            ),
            StuckReason.STALE.value,
        ),
    )
    name = party.c.name.collate("C") if dialect == "postgresql" else party.c.name
    judged = query.add_columns(reason.label("reason"), func.count().over().label("stuck"))
    stuck = (
        judged.where(party.c.number.in_(ids), reason.is_not(None))
        .order_by(reason, func.coalesce(last_on, today), name, party.c.number)
        .limit(limit)
    )
    found = session.execute(stuck).all()
    count = found[0][-1] if found else 0
    return count, [(_Party(*row[:8]), StuckReason(row[8])) for row in found]


def _named(
    session: Session, ids: SelectOfScalar[str], among: list[Any], members: set[str]
) -> dict[str, _Party]:
    """The parties the filters let through that the subqueries `among` or `members` name
    (their log's latest not read)."""
    number = col(MunicipalityRow.number)
    named = or_(*(number.in_(subquery) for subquery in among), number.in_(members))
    found = session.exec(
        select(  # type: ignore[call-overload]
            MunicipalityRow.number,
            MunicipalityRow.name,
            MunicipalityRow.kind,
            MunicipalityRow.stage,
            MunicipalityRow.health_trust,
            MunicipalityRow.last_seq,
        ).where(named, number.in_(ids))
    ).all()
    return {
        number: _Party(number, name, kind, stage, trust, last_seq, None, None)
        for number, name, kind, stage, trust, last_seq in found
    }


def worklist(
    engine: Engine,
    *,
    filters: WorklistFilters,
    checklist: list[str],
    today: date,
    limit: int | None = None,
) -> Worklist:
    """Deadlines due within `filters.days` and overdue, blocking wave members, undelivered
    notifications and stuck parties, for the parties the filters let through.

    `limit`: the rows of each part kept (the first, in the list's order); the
    counts are always of every row. None: every row (the API's answer).
    """
    ids = _party_ids(filters)
    until = today + timedelta(days=filters.days)
    members = _blocking_members(engine, filters, checklist, today)
    with Session(engine) as session:
        stuck_count, stuck = _stuck_rows(
            session, ids, dialect=engine.dialect.name, today=today, limit=limit
        )
        open_in_window = (
            ObligationRow.status == ObligationStatus.OPEN.value,
            col(ObligationRow.effective_deadline) <= until,
            col(ObligationRow.municipality_number).in_(ids),
        )
        obligations = session.exec(
            select(  # type: ignore[call-overload]
                ObligationRow.municipality_number,
                ObligationRow.obligation_id,
                ObligationRow.label,
                ObligationRow.deadline,
                ObligationRow.effective_deadline,
            ).where(*open_in_window)
        ).all()
        # Columns, not ORM objects: hundreds undelivered on a bad day (see store/waves.py).
        notifications = session.execute(
            core_select(
                col(NotificationRow.id),
                col(NotificationRow.municipality_number),
                col(NotificationRow.obligation_label),
                col(NotificationRow.kind),
                col(NotificationRow.status),
                col(NotificationRow.recipient_role),
                col(NotificationRow.last_error),
                col(NotificationRow.due_at),
            )
            .where(
                col(NotificationRow.status).in_(UNDELIVERED),
                col(NotificationRow.municipality_number).in_(ids),
            )
            .order_by(col(NotificationRow.due_at).desc(), col(NotificationRow.id).desc())
        ).all()
        # The parties those rows name, by subquery (thousands of ids would not fit a query).
        among = [
            select(ObligationRow.municipality_number).where(*open_in_window),
            select(NotificationRow.municipality_number).where(
                col(NotificationRow.status).in_(UNDELIVERED)
            ),
        ]
        parties = _named(session, ids, among, {member.number for _wave, member in members})
    # Sorted on plain values first; models are made only for the rows kept.
    open_ = sorted(
        (
            ((due_on - today).days, parties[number].name, obligation, number, label, deadline)
            for number, obligation, label, deadline, due_on in obligations
            if due_on is not None and number in parties
        ),
        key=lambda o: o[:3],
    )

    def deadline_items(rows: list[tuple[Any, ...]]) -> list[DeadlineItem]:
        return [
            DeadlineItem(
                party=_ref(parties[number]),
                obligation_id=obligation,
                label=label,
                deadline=deadline or today + timedelta(days=days_left),
                effective_deadline=today + timedelta(days=days_left),
                days_left=days_left,
            )
            for days_left, _name, obligation, number, label, deadline in rows[:limit]
        ]

    overdue = [o for o in open_ if o[0] < 0]
    due = [o for o in open_ if o[0] >= 0]
    undelivered = [row for row in notifications if row.municipality_number in parties]
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
        for row in undelivered[:limit]
    ]
    blocked = [
        BlockedMember(
            party=_ref(parties[member.number]),
            wave_id=wave.wave_id,
            wave_name=wave.name,
            go_live_at=wave.go_live_at,
            missing=member.missing,
            overdue=member.overdue,
        )
        for wave, member in members
        if member.number in parties
    ]
    return Worklist(
        as_of=today,
        filters=filters,
        counts=WorklistCounts(
            due=len(due),
            overdue=len(overdue),
            blocked=len(blocked),
            failed_notifications=len(undelivered),
            stuck=stuck_count,
        ),
        overdue=deadline_items(overdue),
        due=deadline_items(due),
        blocked=blocked[:limit],
        failed_notifications=failed,
        stuck=[_stuck_party(row, reason, today) for row, reason in stuck],
    )


def _blocking_members(
    engine: Engine, filters: WorklistFilters, checklist: list[str], today: date
) -> list[tuple[WaveBlockers, MemberReadiness]]:
    """Members of planned or approved waves with a condition missing or an item overdue."""
    waves = blockers_of(
        engine,
        wave_ids=[filters.wave] if filters.wave is not None else None,
        checklist=checklist,
        as_of=today,
    )
    return [
        (wave, member)
        for wave in waves
        if wave.status in OPEN_WAVES
        for member in wave.members
        if member.member_status is MemberStatus.MEMBER and (member.missing or member.overdue)
    ]


def _stuck_party(row: _Party, reason: StuckReason, today: date) -> StuckParty:
    return StuckParty(
        party=_ref(row),
        reason=reason,
        last_transition_on=row.last_on,
        days_since=(today - row.last_on).days if row.last_on is not None else None,
        row_seq=row.last_seq,
        log_seq=row.log_seq or 0,
    )


def health_trusts(engine: Engine) -> list[str]:
    """The health trusts the parties belong to, for the filter's choices."""
    with Session(engine) as session:
        query = select(MunicipalityRow.health_trust).distinct()
        return sorted(session.exec(query).all())
