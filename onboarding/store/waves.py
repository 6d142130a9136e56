"""Writes and reads of the wave tables.

Writes come only from the wave and municipality workflows' activities and are
idempotent: an event is appended once per (wave, seq), a checklist completion
once per (municipality, item, recorded_at), and the current-state rows never
move backwards.
"""

from datetime import UTC, date, datetime, timedelta, timezone

from pydantic import BaseModel
from sqlalchemy import Engine, delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import ChecklistCompletion
from onboarding.domain.parties.process import process_key
from onboarding.domain.party import PartyKind
from onboarding.domain.process.registry import latest
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.blockers import (
    MemberReadiness,
    ObligationFact,
    WaveBlockers,
    member_readiness,
    wave_blockers,
)
from onboarding.domain.waves.models import (
    ChecklistItemsProjection,
    ChecklistProjection,
    MemberStatus,
    WaveEvent,
    WaveMember,
    WaveProjection,
    WaveStatus,
)
from onboarding.store.database import session_scope, utc, utc_or_none
from onboarding.store.projection import upsert_obligations
from onboarding.store.tables.actor import actor_columns
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.store.tables.waves import (
    ChecklistCompletionRow,
    WaveEventRow,
    WaveMemberRow,
    WaveRow,
)


def record_wave(engine: Engine, projection: WaveProjection) -> None:
    """Append the events not yet there and bring the wave and its members up to them."""
    wave = projection.wave
    with session_scope(engine) as session:
        known = set(
            session.exec(
                select(WaveEventRow.seq).where(
                    WaveEventRow.wave_id == wave.id,
                    col(WaveEventRow.seq).in_([e.seq for e in projection.events]),
                )
            ).all()
        )
        for event in projection.events:
            if event.seq not in known:
                session.add(_event_row(wave.id, event))
        last = max((e.seq for e in projection.events), default=0)
        row = session.get(WaveRow, wave.id)
        now = datetime.now(UTC)
        if row is None:
            row = WaveRow(
                id=wave.id,
                name=wave.name,
                go_live_at=wave.go_live_at.astimezone(UTC),
                status=wave.status.value,
                workflow_id=projection.events[0].workflow_id if projection.events else "",
                created_at=wave.created_at.astimezone(UTC),
                updated_at=now,
            )
        elif row.last_seq >= last:
            return  # a retry of something already recorded, or an older state
        row.name = wave.name
        row.health_trust = wave.health_trust
        # SQLite keeps no offset: every instant is stored in UTC.
        row.go_live_at = wave.go_live_at.astimezone(UTC)
        offset = wave.go_live_at.utcoffset()
        row.utc_offset_seconds = int(offset.total_seconds()) if offset is not None else 0
        row.status = wave.status.value
        row.recorded_after_the_fact = wave.recorded_after_the_fact
        row.last_seq = last
        row.updated_at = now
        session.add(row)
        current = {m.number: m for m in projection.members}
        session.execute(
            delete(WaveMemberRow).where(
                col(WaveMemberRow.wave_id) == wave.id,
                col(WaveMemberRow.number).not_in(list(current) or [""]),
            )
        )
        # One read of the wave's rows, not one per member: every add and event
        # writes all the members again, so a wave of n costs n reads each time.
        rows = {
            r.number: r
            for r in session.exec(select(WaveMemberRow).where(WaveMemberRow.wave_id == wave.id))
        }
        for member in projection.members:
            member_row = rows.get(member.number)
            if member_row is None:
                member_row = WaveMemberRow(
                    wave_id=wave.id,
                    number=member.number,
                    name=member.name,
                    status=member.status.value,
                    seq=member.seq,
                    joined_at=member.joined_at.astimezone(UTC),
                )
            member_row.name = member.name
            member_row.status = member.status.value
            member_row.seq = member.seq
            member_row.joined_at = member.joined_at.astimezone(UTC)
            member_row.went_live_on = member.went_live_on
            session.add(member_row)


def record_checklist(engine: Engine, projection: ChecklistProjection) -> None:
    """Append the completion (once) and refresh the municipality's obligations."""
    record_checklist_items(
        engine,
        ChecklistItemsProjection(
            municipality=projection.municipality,
            completions=[projection.completion],
            obligations=projection.obligations,
        ),
    )


def record_checklist_items(engine: Engine, projection: ChecklistItemsProjection) -> None:
    """Append the completions (each once: a retry of the same write adds nothing) and
    refresh the municipality's obligations, in one transaction."""
    number = projection.municipality.number
    with session_scope(engine) as session:
        for done in projection.completions:
            exists = session.exec(
                select(ChecklistCompletionRow.id).where(
                    ChecklistCompletionRow.municipality_number == number,
                    ChecklistCompletionRow.item == done.item,
                    ChecklistCompletionRow.recorded_at == done.recorded_at,
                )
            ).first()
            if exists is None:
                session.add(
                    ChecklistCompletionRow(
                        municipality_number=number,
                        item=done.item,
                        done_on=done.done_on,
                        evidence=dict(done.evidence),
                        comment=done.comment,
                        **actor_columns(done.actor),
                        recorded_at=done.recorded_at.astimezone(UTC),
                        entered_at=_utc_or_none(done.entered_at),
                    )
                )
        upsert_obligations(session.connection(), number, projection.obligations)


def _event_row(wave_id: str, event: WaveEvent) -> WaveEventRow:
    return WaveEventRow(
        wave_id=wave_id,
        seq=event.seq,
        kind=event.kind,
        number=event.number,
        go_live_at=_utc_or_none(event.go_live_at),
        previous_go_live_at=_utc_or_none(event.previous_go_live_at),
        other_wave=event.other_wave,
        reason=event.reason,
        evidence=dict(event.evidence),
        effective_on=event.effective_on,
        **actor_columns(event.actor),
        recorded_at=event.recorded_at.astimezone(UTC),
        workflow_id=event.workflow_id,
        run_id=event.run_id,
        entered_at=_utc_or_none(event.entered_at),
    )


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


# -- reads -------------------------------------------------------------------------


class WaveSummary(BaseModel):
    """A wave in the list: its date (local, with offset), status and member count."""

    id: str
    name: str
    health_trust: str | None
    go_live_at: datetime
    status: WaveStatus
    recorded_after_the_fact: bool
    members: int


def local(moment: datetime, offset_seconds: int) -> datetime:
    """A stored instant back in the offset it was given in."""
    return utc(moment).astimezone(timezone(timedelta(seconds=offset_seconds)))


def list_waves(engine: Engine) -> list[WaveSummary]:
    """Every wave, by go-live date."""
    with Session(engine) as session:
        rows = session.exec(select(WaveRow).order_by(col(WaveRow.go_live_at), WaveRow.id)).all()
        counts: dict[str, int] = {}
        for member in session.exec(select(WaveMemberRow)).all():
            counts[member.wave_id] = counts.get(member.wave_id, 0) + 1
    return [
        WaveSummary(
            id=row.id,
            name=row.name,
            health_trust=row.health_trust,
            go_live_at=local(row.go_live_at, row.utc_offset_seconds),
            status=WaveStatus(row.status),
            recorded_after_the_fact=row.recorded_after_the_fact,
            members=counts.get(row.id, 0),
        )
        for row in rows
    ]


def get_wave(engine: Engine, *, wave_id: str) -> WaveRow | None:
    with Session(engine) as session:
        return session.get(WaveRow, wave_id)


class WaveEventRecord(WaveEvent):
    """A wave event as read back, with the wave it belongs to."""

    wave_id: str


def wave_events(
    engine: Engine, *, wave_id: str | None = None, number: str | None = None
) -> list[WaveEventRecord]:
    """A wave's history (or a municipality's wave history), oldest first."""
    with Session(engine) as session:
        query = select(WaveEventRow)
        if wave_id is not None:
            query = query.where(WaveEventRow.wave_id == wave_id)
        if number is not None:
            query = query.where(WaveEventRow.number == number)
        rows = session.exec(
            query.order_by(col(WaveEventRow.recorded_at), col(WaveEventRow.seq))
        ).all()
    return [
        WaveEventRecord(
            wave_id=row.wave_id,
            seq=row.seq,
            kind=row.kind,
            number=row.number,
            go_live_at=utc_or_none(row.go_live_at),
            previous_go_live_at=utc_or_none(row.previous_go_live_at),
            other_wave=row.other_wave,
            reason=row.reason,
            evidence=dict(row.evidence),
            effective_on=row.effective_on,
            actor=row.actor,
            recorded_at=utc(row.recorded_at),
            workflow_id=row.workflow_id,
            run_id=row.run_id,
            entered_at=utc_or_none(row.entered_at),
        )
        for row in rows
    ]


def wave_members(engine: Engine, *, wave_id: str | None = None) -> list[WaveMember]:
    """Members of one wave (or of all waves), by number."""
    with Session(engine) as session:
        query = select(WaveMemberRow)
        if wave_id is not None:
            query = query.where(WaveMemberRow.wave_id == wave_id)
        rows = session.exec(query.order_by(WaveMemberRow.number)).all()
    return [
        WaveMember(
            number=r.number,
            name=r.name,
            seq=r.seq,
            status=MemberStatus(r.status),
            joined_at=utc(r.joined_at),
            went_live_on=r.went_live_on,
        )
        for r in rows
    ]


def wave_names_by_member(engine: Engine) -> dict[str, str]:
    """Municipality number -> the name of the wave it belongs to (one wave at a time)."""
    with Session(engine) as session:
        rows = session.exec(
            select(WaveMemberRow.number, WaveRow.name).join(
                WaveRow,
                WaveRow.id == WaveMemberRow.wave_id,  # type: ignore[arg-type]
            )
        ).all()
    return dict(rows)


def checklist_completions(engine: Engine, *, number: str) -> list[ChecklistCompletion]:
    """Every checklist item marked done for a municipality, oldest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(ChecklistCompletionRow)
            .where(ChecklistCompletionRow.municipality_number == number)
            .order_by(col(ChecklistCompletionRow.recorded_at))
        ).all()
    return [
        ChecklistCompletion(
            item=r.item,
            done_on=r.done_on,
            evidence=dict(r.evidence),
            comment=r.comment,
            actor=r.actor,
            recorded_at=utc(r.recorded_at),
        )
        for r in rows
    ]


def blockers_of(
    engine: Engine,
    *,
    wave_ids: list[str] | None,
    checklist: list[str],
    as_of: date,
    kind: PartyKind | None = None,
) -> list[WaveBlockers]:
    """What blocks each wave (all of them if `wave_ids` is None), by go-live date.

    With `kind`, only members of that kind, and only the waves that have one.
    """
    with Session(engine) as session:
        query = select(WaveRow).order_by(col(WaveRow.go_live_at), WaveRow.id)
        if wave_ids is not None:
            query = query.where(col(WaveRow.id).in_(wave_ids))
        waves = session.exec(query).all()
        # Columns, not ORM objects: making 500 of each on every work list cost more
        # than the query (a profile at the size of a country, bench/pages_scale.py).
        member_query = (
            core_select(
                col(WaveMemberRow.number),
                col(WaveMemberRow.wave_id),
                col(WaveMemberRow.status),
                col(MunicipalityRow.kind),
                col(MunicipalityRow.name),
                col(MunicipalityRow.stage),
                col(MunicipalityRow.paused_from),
                col(MunicipalityRow.home_municipality),
            )
            .join(MunicipalityRow, col(MunicipalityRow.number) == col(WaveMemberRow.number))
            .where(col(WaveMemberRow.wave_id).in_([w.id for w in waves]))
            .order_by(WaveMemberRow.number)
        )
        if kind is not None:
            member_query = member_query.where(col(MunicipalityRow.kind) == kind.value)
        members = session.execute(member_query).all()
        if kind is not None:
            waves = [w for w in waves if any(m.wave_id == w.id for m in members)]
        # The members' obligations and homes by subquery: hundreds of ids bound one by one
        # cost more to send than the rows they find (a wave of 25 in each of 20 waves).
        in_waves = col(WaveMemberRow.wave_id).in_([w.id for w in waves])
        numbers = select(WaveMemberRow.number).where(in_waves)
        # Not the outer query's party table (a subquery would correlate to it).
        member = MunicipalityRow.__table__.alias("member")  # type: ignore[attr-defined]
        facts: dict[str, list[ObligationFact]] = {}
        for number, obligation_id, status, deadline, effective_deadline in session.execute(
            core_select(
                col(ObligationRow.municipality_number),
                col(ObligationRow.obligation_id),
                col(ObligationRow.status),
                col(ObligationRow.deadline),
                col(ObligationRow.effective_deadline),
            ).where(col(ObligationRow.municipality_number).in_(numbers))
        ).all():
            facts.setdefault(number, []).append(
                ObligationFact(
                    id=obligation_id,
                    status=ObligationStatus(status),
                    deadline=deadline,
                    effective_deadline=effective_deadline,
                )
            )
        homes = {
            number: Stage(stage)
            for number, stage in session.execute(
                core_select(col(MunicipalityRow.number), col(MunicipalityRow.stage)).where(
                    col(MunicipalityRow.number).in_(
                        select(member.c.home_municipality).where(member.c.number.in_(numbers))
                    )
                )
            ).all()
        }
    readiness: dict[str, list[MemberReadiness]] = {}
    for member in members:
        # The read model does not keep a party's process version: a party is
        # read by its kind's newest definition (approval stages and the wait for
        # a municipality are the same in every version so far). A
        # municipality's checklist is the policy's, which may replace the default.
        kind = PartyKind(member.kind)
        definition = latest(process_key(kind))
        waits = definition.waits_for_home_municipality
        home = member.home_municipality
        readiness.setdefault(member.wave_id, []).append(
            member_readiness(
                number=member.number,
                name=member.name,
                stage=Stage(member.stage),
                paused_from=Stage(member.paused_from) if member.paused_from else None,
                member_status=MemberStatus(member.status),
                obligations=facts.get(member.number, []),
                checklist=checklist
                if kind is PartyKind.MUNICIPALITY
                else [item.id.value for item in definition.checklist],
                as_of=as_of,
                approval_stages=definition.approval_stages,
                waits_for=(home, homes.get(home)) if waits and home else None,
            )
        )
    return [
        wave_blockers(
            wave_id=w.id,
            name=w.name,
            go_live_at=local(w.go_live_at, w.utc_offset_seconds),
            status=WaveStatus(w.status),
            members=readiness.get(w.id, []),
        )
        for w in waves
    ]


def wave_candidates(engine: Engine) -> list[MunicipalityRow]:
    """Parties of every kind in a stage from which their process may join a wave, by id.

    Each kind is read by its newest definition (the read model keeps no
    process version; the wave stages are the same in every version so far).
    """
    eligible = {
        kind: {s.value for s in latest(process_key(kind)).wave_stages} for kind in PartyKind
    }
    with Session(engine) as session:
        rows = session.exec(select(MunicipalityRow).order_by(MunicipalityRow.number)).all()
    return [row for row in rows if row.stage in eligible[PartyKind(row.kind)]]
