"""Point-in-time reports: the region by valid time (`as_of`) and transaction time (`known_on`).

The audit log is never rewritten, so "what did we know then" is a filter, not
a reconstruction: an event counts if it was recorded by then, unless a void
recorded by then took it back; its effective date is that of the latest
amendment recorded by then, else its own. `_corrections_known` is that rule
in SQL, and every report here applies it through it (`visible_events`,
`latest_per_party`) or, for the milestone series' one pass over the whole
log, beside it (`_first_per_stage_corrected`, which probes the few corrected
transitions one by one); test_point_in_time holds all of them to a replay
of the log, so the funnel, the stages table and the series agree.

Within one municipality the events in force at any recording time are in the
same order by seq as by effective date (the workflow refuses a transition or
an amendment that would break it), so "the stage on a date" is the
destination of the event with the highest seq among those in force that took
effect on or before the date, found with one window function per
municipality. Corrections are rare; the joins against them are small hash
joins, and the cost is one pass over the audit log (see bench/report_latency.py).

Every report counts the region of its date: the parties `party_region_period`
puts in the catchment area on `as_of` (store/reforms.py `in_region_on`; a party
without periods, every party registered without a history, on every date), so
a report on 2016-06-30 counts the 85 municipalities of then, each once under
the id it was registered with (a renumbering keeps the party), with its number
of then (`party_identifier`). A milestone series counts each point's region.

Every report takes a kind of party (None: every kind together). Milestones
are each kind's own road (onboarding/domain/report_milestones.py): a
municipality's furthest milestone is the rank its latest transition stored
(audit_event.reached_rank, municipality milestones); any other kind's is the
furthest stage of its road among its transitions in force, found by one
grouped pass over the few events of those parties.
"""

import bisect
from collections import Counter
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, Select, Subquery, and_, case, func, select, text, true, union_all
from sqlmodel import Session

from onboarding.domain.calendar import OSLO
from onboarding.domain.party import PartyKind
from onboarding.domain.report_milestones import (
    SIGNATURES,
    milestones_for,
    milestones_of,
    rank_on_road,
    stages_for,
)
from onboarding.domain.reports import (
    FunnelReport,
    Interval,
    MilestonePoint,
    MilestoneSeries,
    StageRow,
    StagesReport,
)
from onboarding.domain.vocabulary import MILESTONE_RANK, MILESTONES, Stage
from onboarding.store.identifiers import MUNICIPALITY_NUMBER
from onboarding.store.reforms import in_region_on
from onboarding.store.tables.parties import (
    AuditEventRow,
    CorrectionRow,
    MunicipalityRow,
    PartyIdentifierRow,
)
from onboarding.store.tables.reforms import PartyRegionPeriodRow

_audit = AuditEventRow.__table__  # type: ignore[attr-defined]
_correction = CorrectionRow.__table__  # type: ignore[attr-defined]
_municipality = MunicipalityRow.__table__  # type: ignore[attr-defined]
_identifier = PartyIdentifierRow.__table__  # type: ignore[attr-defined]
_period = PartyRegionPeriodRow.__table__  # type: ignore[attr-defined]


def known_by(known_on: date | None) -> datetime | None:
    """The instant that ends `known_on` in Europe/Oslo, in UTC (None: no limit).

    UTC because SQLite keeps timestamps as naive UTC text: comparing with a UTC
    value is then right on both databases.
    """
    if known_on is None:
        return None
    end = datetime.combine(known_on + timedelta(days=1), time(), tzinfo=OSLO)
    return end.astimezone(UTC).replace(tzinfo=None)


def milestone_rank(column: Any) -> Any:
    """SQL: the milestone rank of a stage column (0 for stages off the main road)."""
    return case(*((column == stage.value, MILESTONE_RANK[stage]) for stage in MILESTONES), else_=0)


def road_rank(kind: Any, stage: Any) -> Any:
    """SQL: how far a stage column is along its party's own road (0: off its milestones)."""
    return case(
        *(
            (and_(kind == party_kind.value, stage == milestone.value), rank)
            for party_kind in PartyKind
            for rank, milestone in enumerate(milestones_of(party_kind), 1)
        ),
        else_=0,
    )


def of_kind(kind: PartyKind | None) -> list[Any]:
    """SQL conditions on the party table: only parties of `kind` (None: none at all)."""
    return [] if kind is None else [_municipality.c.kind == kind.value]


def in_region(as_of: date, kind: PartyKind | None = None) -> list[Any]:
    """SQL conditions on the party table: of `kind`, and in the region on `as_of`."""
    return [*of_kind(kind), in_region_on(as_of, _municipality.c.number)]


def number_then(as_of: date) -> Any:
    """SQL: the party's municipality number on `as_of` (its id if none was recorded then)."""
    valid = (
        select(_identifier.c.value)
        .where(
            _identifier.c.party_id == _municipality.c.number,
            _identifier.c.scheme == MUNICIPALITY_NUMBER,
            (_identifier.c.valid_from.is_(None)) | (_identifier.c.valid_from <= as_of),
            (_identifier.c.valid_to.is_(None)) | (_identifier.c.valid_to > as_of),
        )
        .order_by(_identifier.c.valid_from.desc())
        .limit(1)
        .correlate(_municipality)
        .scalar_subquery()
    )
    return func.coalesce(valid, _municipality.c.number)


def visible_events(
    *, known_before: datetime | None, parties: Collection[str] | None = None
) -> Subquery:
    """The transitions in force as known before `known_before` (None: now).

    Of `parties` only, if given (None: every party's). Columns:
    municipality_number, seq, to_stage, effective_on (amended).
    """
    amended, voids = _corrections_known(known_before, parties)
    query = (
        select(
            _audit.c.municipality_number,
            _audit.c.seq,
            _audit.c.to_stage,
            func.coalesce(amended.c.effective_on_after, _audit.c.effective_on).label(
                "effective_on"
            ),
        )
        .select_from(_audit)
        .outerjoin(amended, amended.c.event_id == _audit.c.id)
        .where(_audit.c.id.not_in(voids), *_recorded(known_before, parties))
    )
    return query.subquery("visible")


def _recorded(known_before: datetime | None, parties: Collection[str] | None) -> list[Any]:
    """SQL conditions on `audit_event`: recorded before `known_before` (None: whenever),
    of `parties` (None: every party's)."""
    conditions = []
    if known_before is not None:
        conditions.append(_audit.c.recorded_at < known_before)
    if parties is not None:
        conditions.append(_audit.c.municipality_number.in_(parties))
    return conditions


def _corrections_known(
    known_before: datetime | None, parties: Collection[str] | None = None
) -> tuple[Any, Any]:
    """(amended: event_id -> effective_on_after, newest first; voided event ids) as known then.

    `_first_per_stage_corrected` applies the same rule to one transition at a
    time: a change here is a change there.

    Of `parties`' transitions only, if given: a report read again for a few
    parties then joins their few corrections, not every party's (with every
    party's, the planner misjudged their number and compared each of the
    party's transitions with each amendment: 100 ms at the size of a country).
    """
    amendments = select(
        _correction.c.event_id,
        _correction.c.effective_on_after,
        func.row_number()
        .over(partition_by=_correction.c.event_id, order_by=_correction.c.seq.desc())
        .label("newest"),
    ).where(_correction.c.kind == "amend")
    voids = select(_correction.c.event_id).where(_correction.c.kind == "void")
    if known_before is not None:
        amendments = amendments.where(_correction.c.recorded_at < known_before)
        voids = voids.where(_correction.c.recorded_at < known_before)
    if parties is not None:
        theirs = _correction.c.event_id.in_(
            select(_audit.c.id).where(_audit.c.municipality_number.in_(parties))
        )
        amendments = amendments.where(theirs)
        voids = voids.where(theirs)
    amended = amendments.subquery("amended")
    latest_amendment = (
        select(amended.c.event_id, amended.c.effective_on_after)
        .where(amended.c.newest == 1)
        .subquery("latest_amendment")
    )
    return latest_amendment, voids


def latest_per_party(
    *,
    as_of: date,
    known_on: date | None,
    dialect: str,
    kind: PartyKind | None = None,
    parties: Collection[str] | None = None,
) -> Any:
    """Per party (of `kind`; of `parties` if given) with a transition in force by `as_of`:
    stage, since, top rank, kind.

    `top` is the municipality milestone rank the latest transition stored: a
    municipality's furthest milestone, meaningless for other kinds (see
    `furthest_on_road`).

    Each municipality's latest transition is one probe of ix_audit_event_latest
    (municipality, effective_on, seq): among the transitions in force, the
    order by effective date is the order by seq. Amended transitions are left
    out of the probe (their own date is no longer theirs) and joined in from
    the few amendments; the candidate with the highest seq wins.

    PostgreSQL probes with LATERAL (a join on a correlated id would have it
    hash the whole log); SQLite, which has no LATERAL, probes for the id and
    fetches the row by rowid.
    """
    known_before = known_by(known_on)
    amended, voids = _corrections_known(known_before, parties)
    chosen = in_region(as_of, kind)
    if parties is not None:
        chosen.append(_municipality.c.number.in_(parties))
    probe = _audit.alias("probe")
    conditions = [
        probe.c.municipality_number == _municipality.c.number,
        probe.c.effective_on <= as_of,
        probe.c.id.not_in(voids),
        probe.c.id.not_in(select(amended.c.event_id)),
    ]
    if known_before is not None:
        conditions.append(probe.c.recorded_at < known_before)
    newest_first = (probe.c.effective_on.desc(), probe.c.seq.desc())
    plain: Any
    if dialect == "postgresql":
        latest = (
            select(probe.c.seq, probe.c.to_stage, probe.c.effective_on, probe.c.reached_rank)
            .where(*conditions)
            .order_by(*newest_first)
            .limit(1)
            .lateral("latest")
        )
        plain = (
            select(
                _municipality.c.number.label("municipality_number"),
                latest.c.seq,
                latest.c.to_stage,
                latest.c.effective_on,
                latest.c.reached_rank,
            )
            .select_from(_municipality)
            .join(latest, true())
            .where(*chosen)
        )
    else:
        best = (
            select(probe.c.id)
            .where(*conditions)
            .order_by(*newest_first)
            .limit(1)
            .correlate(_municipality)
            .scalar_subquery()
        )
        latest_plain = (
            select(best.label("event_id"))
            .select_from(_municipality)
            .where(*chosen)
            .subquery("plain")
        )
        plain = select(
            _audit.c.municipality_number,
            _audit.c.seq,
            _audit.c.to_stage,
            _audit.c.effective_on,
            _audit.c.reached_rank,
        ).join(latest_plain, latest_plain.c.event_id == _audit.c.id)
    moved = (
        select(
            _audit.c.municipality_number,
            _audit.c.seq,
            _audit.c.to_stage,
            amended.c.effective_on_after.label("effective_on"),
            _audit.c.reached_rank,
        )
        .join(amended, amended.c.event_id == _audit.c.id)
        .where(
            amended.c.effective_on_after <= as_of,
            _audit.c.id.not_in(voids),
            *_recorded(known_before, parties),
        )
    )
    candidates = union_all(plain, moved).subquery("candidates")
    ranked = select(
        candidates,
        func.row_number()
        .over(partition_by=candidates.c.municipality_number, order_by=candidates.c.seq.desc())
        .label("newest"),
    ).subquery("ranked")
    top = func.coalesce(ranked.c.reached_rank, milestone_rank(ranked.c.to_stage))
    return (
        select(
            ranked.c.municipality_number,
            ranked.c.to_stage,
            ranked.c.effective_on,
            top.label("top"),
            _municipality.c.kind,
        )
        .join(_municipality, _municipality.c.number == ranked.c.municipality_number)
        .where(ranked.c.newest == 1, *chosen)
    )


def furthest_on_road(
    session: Session,
    *,
    as_of: date,
    known_on: date | None,
    kind: PartyKind | None,
    parties: Collection[str] | None = None,
) -> dict[str, int]:
    """Party id -> its furthest rank on its own road by `as_of`, for parties not municipalities
    (of `parties` only, if given).

    Municipalities have theirs stored with each transition (reached_rank);
    the other kinds' few events are ranked here.
    """
    if kind is PartyKind.MUNICIPALITY:
        return {}
    events = visible_events(known_before=known_by(known_on), parties=parties)
    rank = road_rank(_municipality.c.kind, events.c.to_stage)
    query = (
        select(events.c.municipality_number, func.max(rank))
        .join(_municipality, _municipality.c.number == events.c.municipality_number)
        .where(
            events.c.effective_on <= as_of,
            _municipality.c.kind != PartyKind.MUNICIPALITY.value,
            *in_region(as_of, kind),
        )
        .group_by(events.c.municipality_number)
    )
    return {number: int(top or 0) for number, top in session.execute(query).all()}


def _top(kind: str, stored: int | None, number: str, furthest: dict[str, int]) -> int:
    """A party's furthest rank on its own road: stored for a municipality, else found."""
    if kind == PartyKind.MUNICIPALITY.value:
        return int(stored or 0)
    return furthest.get(number, 0)


def _count(session: Session, kind: PartyKind | None, as_of: date) -> int:
    """How many parties (of `kind`) were in the region on `as_of`."""
    query = select(func.count()).select_from(_municipality).where(*in_region(as_of, kind))
    return int(session.execute(query).scalar_one())


def _no_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT off for this transaction.

    The per-municipality probes make the planner's cost estimate large enough
    to JIT-compile a query that runs in a fraction of the compile time
    (measured: 2.1 s of JIT for 0.4 s of work, bench/report_latency.py).
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


# Each party's place on a date: party id -> (its stage, its kind, its furthest rank on
# its own road); parties with no transition in force by then are not in it.
Places = dict[str, tuple[str, str, int]]


def places(
    session: Session,
    *,
    as_of: date,
    known_on: date | None,
    kind: PartyKind | None,
    parties: Collection[str] | None = None,
) -> Places:
    """Where each party (of `kind`, in the region on `as_of`; of `parties` if given) stood.

    Each party's place depends on its own log and its periods in the region
    alone, so a store can keep the answer and read again only the parties
    whose log changed (store/kept_reports.py).
    """
    _no_jit(session)
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        latest_per_party(
            as_of=as_of, known_on=known_on, dialect=dialect, kind=kind, parties=parties
        )
    ).all()
    furthest = furthest_on_road(session, as_of=as_of, known_on=known_on, kind=kind, parties=parties)
    return {
        number: (stage, party_kind, _top(party_kind, stored, number, furthest))
        for number, stage, _since, stored, party_kind in rows
    }


def funnel(
    engine: Engine, *, as_of: date, known_on: date | None = None, kind: PartyKind | None = None
) -> FunnelReport:
    """Stage counts, milestones reached and the headline counts on `as_of`, as known on `known_on`.

    Of the parties of `kind` (None: every kind). A party with no transition in
    force by `as_of` was prospective.
    """
    with Session(engine) as session:
        _no_jit(session)
        total = _count(session, kind, as_of)
        found = places(session, as_of=as_of, known_on=known_on, kind=kind)
    return funnel_of(found, total, as_of=as_of, known_on=known_on, kind=kind)


def region_count(engine: Engine, *, as_of: date, kind: PartyKind | None) -> int:
    """How many parties (of `kind`) were in the region on `as_of`."""
    with Session(engine) as session:
        return _count(session, kind, as_of)


def funnel_of(
    found: Places, total: int, *, as_of: date, known_on: date | None, kind: PartyKind | None
) -> FunnelReport:
    """The funnel of `total` parties in the region, of which `found` had a transition in force."""
    stages: Counter[str] = Counter()
    # (party kind, furthest rank on its road) -> parties; the kind as stored, made an
    # enum per pair and milestone below, not per party (10,000 at the size of a country).
    tops: Counter[tuple[str, int]] = Counter()
    for stage, party_kind, top in found.values():
        stages[stage] += 1
        tops[party_kind, top] += 1
    stages[Stage.PROSPECTIVE.value] += total - len(found)
    reached = {
        m.value: sum(
            count
            for (party_kind, rank), count in tops.items()
            if (needed := rank_on_road(PartyKind(party_kind), m)) and rank >= needed
        )
        for m in milestones_for(kind)
    }
    return FunnelReport(
        as_of=as_of,
        known_on=known_on,
        kind=kind,
        total=total,
        stages={stage.value: stages.get(stage.value, 0) for stage in stages_for(kind)},
        reached=reached,
        signed=sum(reached.get(s.value, 0) for s in set(SIGNATURES.values())),
        preparing=stages.get(Stage.OPTION_EXERCISED.value, 0)
        + stages.get(Stage.PREPARING.value, 0),
        live=stages.get(Stage.LIVE.value, 0),
    )


def stages(
    engine: Engine, *, as_of: date, known_on: date | None = None, kind: PartyKind | None = None
) -> StagesReport:
    """Every party's (of `kind`) stage on `as_of` (as known on `known_on`), by id."""
    latest = latest_per_party(
        as_of=as_of, known_on=known_on, dialect=engine.dialect.name, kind=kind
    ).subquery("latest")
    query = (
        select(
            _municipality.c.number,
            number_then(as_of),
            _municipality.c.name,
            _municipality.c.county,
            _municipality.c.health_trust,
            _municipality.c.kind,
            latest.c.to_stage,
            latest.c.effective_on,
            latest.c.top,
        )
        .select_from(_municipality)
        .outerjoin(latest, latest.c.municipality_number == _municipality.c.number)
        .where(*in_region(as_of, kind))
        .order_by(_municipality.c.number)
    )
    with Session(engine) as session:
        _no_jit(session)
        rows = session.execute(query).all()
        furthest = furthest_on_road(session, as_of=as_of, known_on=known_on, kind=kind)
    table: list[StageRow] = []
    for number, then, name, county, trust, party_kind, stage, since, stored in rows:
        road = milestones_of(PartyKind(party_kind))
        top = _top(party_kind, stored, number, furthest)
        table.append(
            StageRow(
                number=number,
                municipality_number=then if party_kind == PartyKind.MUNICIPALITY.value else None,
                name=name,
                county=county,
                health_trust=trust,
                kind=PartyKind(party_kind),
                stage=Stage(stage) if stage else Stage.PROSPECTIVE,
                since=since,
                milestone=road[top - 1] if top else None,
            )
        )
    return StagesReport(as_of=as_of, known_on=known_on, kind=kind, municipalities=table)


# Each party's first days on its road: party id -> (its kind, None if it is not
# registered; {rank on its road, 0 for stages off it: the earliest effective day
# of a transition in force that took it there}).
FirstDays = dict[str, tuple[str | None, dict[int, date]]]


def first_days(
    session: Session,
    *,
    end: date,
    known_on: date | None,
    parties: Collection[str] | None = None,
) -> FirstDays:
    """Each party's (of `parties`; None: every one) first day at each rank by `end`.

    One pass over the transitions in force as known on `known_on`, grouped
    by party and stage, in two parts: those never corrected and those corrected.
    Every kind and rank 0 are kept, so one answer serves every kind's series
    and the earliest transition of all (the dashboard's chart starts there);
    each party's answer depends on its own log only, so a store can keep it
    and read again only the parties whose log changed (store/kept_reports.py).
    """
    known_before = known_by(known_on)
    per_stage = union_all(
        _first_per_stage_uncorrected(end, known_before, parties),
        _first_per_stage_corrected(end, known_before, parties),
    ).subquery("per_stage")
    # Ranked on each party's road per (party, stage), not per event: ranking each
    # of a million events against its party's kind took most of a second.
    rank = road_rank(_municipality.c.kind, per_stage.c.to_stage)
    query = (
        select(
            per_stage.c.municipality_number,
            _municipality.c.kind,
            rank.label("rank"),
            func.min(per_stage.c.first_day),
        )
        .select_from(per_stage)
        .outerjoin(_municipality, _municipality.c.number == per_stage.c.municipality_number)
        .group_by(per_stage.c.municipality_number, _municipality.c.kind, rank)
    )
    _no_jit(session)
    first: FirstDays = {}
    for number, party_kind, rank_value, on in session.execute(query).all():
        first.setdefault(number, (party_kind, {}))[1][int(rank_value)] = on
    return first


def _first_per_stage_uncorrected(
    end: date, known_before: datetime | None, parties: Collection[str] | None
) -> Select[Any, Any, Any]:
    """(party, stage, first day by `end`) over the transitions never corrected.

    All but a few of the log: one scan with a hash anti-join against the small
    correction table, grouped in parallel on PostgreSQL. A transition with any
    correction, even one recorded after `known_before`, is left to
    `_first_per_stage_corrected`.
    """
    query = select(
        _audit.c.municipality_number,
        _audit.c.to_stage,
        func.min(_audit.c.effective_on).label("first_day"),
    ).where(
        ~select(_correction.c.id).where(_correction.c.event_id == _audit.c.id).exists(),
        _audit.c.effective_on <= end,
        *_recorded(known_before, parties),
    )
    return query.group_by(_audit.c.municipality_number, _audit.c.to_stage)


def _first_per_stage_corrected(
    end: date, known_before: datetime | None, parties: Collection[str] | None
) -> Select[Any, Any, Any]:
    """(party, stage, first day by `end`) over the transitions with a correction.

    As `_corrections_known` reads them (void and newest amendment as known
    before `known_before`; the same rule, written for a probe), but probing
    the few corrected ids one by one: its joins over the whole log would cost
    another scan of it.
    """
    known = [] if known_before is None else [_correction.c.recorded_at < known_before]
    amended_to = (
        select(_correction.c.effective_on_after)
        .where(_correction.c.event_id == _audit.c.id, _correction.c.kind == "amend", *known)
        .order_by(_correction.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    voided = select(_correction.c.id).where(
        _correction.c.event_id == _audit.c.id, _correction.c.kind == "void", *known
    )
    query = select(
        _audit.c.municipality_number,
        _audit.c.to_stage,
        func.coalesce(amended_to, _audit.c.effective_on).label("effective_on"),
    ).where(
        _audit.c.id.in_(select(_correction.c.event_id)),
        ~voided.exists(),
        *_recorded(known_before, parties),
    )
    corrected = query.subquery("corrected")
    return (
        select(
            corrected.c.municipality_number,
            corrected.c.to_stage,
            func.min(corrected.c.effective_on).label("first_day"),
        )
        .where(corrected.c.effective_on <= end)
        .group_by(corrected.c.municipality_number, corrected.c.to_stage)
    )


def milestone_series(
    engine: Engine,
    *,
    start: date,
    end: date,
    interval: Interval = Interval.MONTH,
    known_on: date | None = None,
    kind: PartyKind | None = None,
    first: FirstDays | None = None,
) -> MilestoneSeries:
    """Milestones reached at the end of each interval from `start` to `end` (the last: `end`).

    A milestone is reached by a date once an event in force that took effect by
    then led to its stage or further along the party's own road, so the first
    such date per party and rank answers every point of the series at once.
    `first`: those days (`first_days`) already read, as store/kept_reports.py keeps them.
    """
    with Session(engine) as session:
        if first is None:
            first = first_days(session, end=end, known_on=known_on)
        region = Region.read(session, kind)
    return series_of(
        first, region, start=start, end=end, interval=interval, known_on=known_on, kind=kind
    )


def series_of(
    first: FirstDays,
    region: "Region",
    *,
    start: date,
    end: date,
    interval: Interval,
    known_on: date | None,
    kind: PartyKind | None,
) -> MilestoneSeries:
    """The milestone series of parties of `kind` from their first days (see `milestone_series`)."""
    milestones = milestones_for(kind)
    reached_on: dict[Stage, list[tuple[str, date]]] = {m: [] for m in milestones}
    # Each kind's road from its far end back: each rank with the list its milestone's
    # parties go to (None: not a milestone counted), looked up once, not per party.
    slots = {
        k.value: [(rank, reached_on.get(road[rank - 1])) for rank in range(len(road), 0, -1)]
        for k in PartyKind
        for road in (milestones_of(k),)
    }
    wanted = kind.value if kind is not None else None
    for number, (party_kind, by_rank) in first.items():
        if party_kind is None or (wanted is not None and party_kind != wanted):
            continue
        # From the far end of its road back: the earliest day it stood at this rank or
        # further is when it reached this milestone (once per party, not per milestone:
        # ten thousand parties at the size of a country).
        earliest: date | None = None
        for rank, reached in slots[party_kind]:
            on = by_rank.get(rank)
            if on is not None and (earliest is None or on < earliest):
                earliest = on
            if earliest is not None and reached is not None:
                reached.append((number, earliest))
    counters = {m: _ReachedCounter(reached_on[m], region) for m in milestones}
    points = [
        MilestonePoint(
            on=day,
            reached={m.value: counters[m].by(day) for m in milestones},
            total=region.count(day),
        )
        for day in period_ends(start, end, interval)
    ]
    return MilestoneSeries(
        from_=start,
        to=end,
        interval=interval,
        known_on=known_on,
        kind=kind,
        total=region.count(end),
        points=points,
    )


class _ReachedCounter:
    """How many of the parties that reached a milestone had reached it by a day, in the region.

    Most parties are in the region on every date: their days are sorted once
    and counted by bisection, so a monthly series over 10,000 parties costs a
    few thousand steps, not a pass over every party per point; only the
    parties with periods in the region (a reform's, a few dozen) are asked
    one by one.
    """

    def __init__(self, reached: list[tuple[str, date]], region: "Region") -> None:
        self.region = region
        self.always: list[date] = []
        self.periodic: list[tuple[str, date]] = []
        # One pass, the periods' dict asked directly: ten thousand parties per milestone.
        for number, on in reached:
            if number in region.periods:
                self.periodic.append((number, on))
            else:
                self.always.append(on)
        self.always.sort()

    def by(self, day: date) -> int:
        """Those that had reached it by `day` and were in the region on `day`."""
        periodic = sum(1 for n, on in self.periodic if on <= day and self.region.has(n, day))
        return bisect.bisect_right(self.always, day) + periodic


class Region:
    """The parties (of a kind) and their periods in the region, to ask about any day."""

    def __init__(self, always: int, periods: dict[str, list[tuple[date | None, date | None]]]):
        self.always = always  # parties without periods: in the region on every date
        self.periods = periods

    @classmethod
    def read(cls, session: Session, kind: PartyKind | None) -> "Region":
        # Those always in the region counted in SQL: their ids (ten thousand at the
        # size of a country) are not needed, only the few with periods.
        with_periods = select(_period.c.party_id)
        always = session.execute(
            select(func.count())
            .select_from(_municipality)
            .where(*of_kind(kind), _municipality.c.number.not_in(with_periods))
        ).scalar_one()
        spans = session.execute(
            select(_period.c.party_id, _period.c.valid_from, _period.c.valid_to)
            .join(_municipality, _municipality.c.number == _period.c.party_id)
            .where(*of_kind(kind))
        ).all()
        periods: dict[str, list[tuple[date | None, date | None]]] = {}
        for party, start, end in spans:
            periods.setdefault(party, []).append((start, end))
        return cls(always=always, periods=periods)

    def periodic(self, party: str) -> bool:
        """True if `party` is in the region for periods only (not on every date)."""
        return party in self.periods

    def has(self, party: str, day: date) -> bool:
        spans = self.periods.get(party)
        return spans is None or any(
            (start is None or start <= day) and (end is None or day < end) for start, end in spans
        )

    def count(self, day: date) -> int:
        return self.always + sum(1 for party in self.periods if self.has(party, day))


def period_ends(start: date, end: date, interval: Interval) -> list[date]:
    """The last day of each interval that begins on or before `end`, capped at `end`."""
    months = {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}[interval]
    # Intervals are calendar ones: months, quarters (Jan, Apr, Jul, Oct), years.
    first_month = (start.month - 1) // months * months + 1
    cursor = date(start.year, first_month, 1)
    ends: list[date] = []
    while cursor <= end:
        year, month = divmod(cursor.month - 1 + months, 12)
        following = date(cursor.year + year, month + 1, 1)
        ends.append(min(following - timedelta(days=1), end))
        cursor = following
    return ends
