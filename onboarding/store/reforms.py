"""Municipal reforms in the read model: who was in the region when, who succeeded whom, numbers.

A reform (#20) is recorded once in `reform` (append-only) with what it did to
each party; this module writes and reads what follows from it:

- the periods a party belongs to the catchment area (`party_region_period`).
  A party with no rows belongs to it on every date, as every party registered
  without a history does; `in_region_on(day)` is the SQL condition reports
  filter with, `parties_in_region_on(session, day)` the ids it selects;
- who carries on whom (`party_succession`, append-only), read transitively
  by `predecessors_of` and `successors_of`;
- a renumbering: the old number's `party_identifier` row ends the day the new
  one starts, so `identifiers.resolve(scheme, number, on=day)` answers the
  party the number named that day, and the party's row shows the number it
  has now (`current_number`; NULL means its number is its id).

Dates: `valid_from` is the first day, `valid_to` the first day after
(exclusive); NULL `valid_from` means since before anything was recorded, NULL
`valid_to` that it lasts.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, not_, or_, update
from sqlmodel import Session, SQLModel, col, select

from onboarding.domain.actor import Actor
from onboarding.store.identifiers import MUNICIPALITY_NUMBER
from onboarding.store.tables.actor import actor_columns
from onboarding.store.tables.parties import MunicipalityRow, PartyIdentifierRow
from onboarding.store.tables.reforms import PartyRegionPeriodRow, PartySuccessionRow, ReformRow

REFORM_KINDS = ("renumbering", "merger", "split", "boundary_transfer", "joined", "left")


# --- the region's members on a date -------------------------------------------------


def in_region_on(day: date, party: Any = None) -> ColumnElement[bool]:
    """SQL: the party in `party` (a column of party ids; default the party table's
    `number`) belongs to the catchment area on `day`.

    True for a party without periods (registered without a history), and for
    one with a period that covers `day`. Usable in any query's WHERE, e.g.
    `select(MunicipalityRow).where(in_region_on(day))` or
    `.where(in_region_on(day, AuditEventRow.municipality_number))`.
    """
    column = col(MunicipalityRow.number) if party is None else party
    period = PartyRegionPeriodRow
    has_periods = exists().where(col(period.party_id) == column)
    covers = exists().where(
        col(period.party_id) == column,
        or_(col(period.valid_from).is_(None), col(period.valid_from) <= day),
        or_(col(period.valid_to).is_(None), col(period.valid_to) > day),
    )
    return or_(not_(has_periods), covers)


def parties_in_region_on(session: Session, day: date, *, kind: str | None = None) -> list[str]:
    """The ids of the registered parties (of `kind`, if given) in the catchment area on `day`."""
    query = select(MunicipalityRow.number).where(in_region_on(day))
    if kind is not None:
        query = query.where(MunicipalityRow.kind == kind)
    return list(session.exec(query.order_by(col(MunicipalityRow.number))).all())


def region_periods(session: Session, party: str) -> list[PartyRegionPeriodRow]:
    """The party's periods in the catchment area, oldest first (none: every date)."""
    return list(
        session.exec(
            select(PartyRegionPeriodRow)
            .where(PartyRegionPeriodRow.party_id == party)
            .order_by(col(PartyRegionPeriodRow.valid_from).asc().nulls_first())
        ).all()
    )


def add_region_period(
    session: Session,
    party: str,
    valid_from: date | None,
    valid_to: date | None = None,
    *,
    reform_id: str | None = None,
) -> None:
    """Record that `party` belongs to the catchment area from `valid_from` to `valid_to`.

    Idempotent: a period with the same start is left as it is. A loader of
    the region's history calls this for every party it registers with a start
    or an end; reforms call `join_region` and `leave_region`.
    """
    row = PartyRegionPeriodRow(
        party_id=party, valid_from=valid_from, valid_to=valid_to, reform_id=reform_id
    )
    _add_once(session, row, "party_id", "valid_from")


def join_region(session: Session, party: str, on: date, *, reform_id: str | None) -> None:
    """`party` belongs to the catchment area from `on` (and, with no periods yet, not before)."""
    open_period = _open_period(session, party)
    if open_period is not None and (open_period.valid_from is None or open_period.valid_from <= on):
        return
    add_region_period(session, party, on, None, reform_id=reform_id)


def leave_region(session: Session, party: str, on: date, *, reform_id: str | None) -> None:
    """`party` no longer belongs to the catchment area from `on` (it ended, or left).

    A party without periods belonged on every date: it gets one that ends on `on`.
    """
    if not region_periods(session, party):
        add_region_period(session, party, None, on, reform_id=reform_id)
        return
    open_period = _open_period(session, party)
    if open_period is not None:
        session.exec(
            update(PartyRegionPeriodRow)
            .where(col(PartyRegionPeriodRow.id) == open_period.id)
            .values(valid_to=on, reform_id=reform_id or open_period.reform_id)
        )
        session.flush()


def _open_period(session: Session, party: str) -> PartyRegionPeriodRow | None:
    return session.exec(
        select(PartyRegionPeriodRow).where(
            PartyRegionPeriodRow.party_id == party, col(PartyRegionPeriodRow.valid_to).is_(None)
        )
    ).first()


def _add_once(session: Session, row: SQLModel, *key: str) -> None:
    """Add `row` unless a row of its table has the same values in the `key` columns."""
    table = type(row)
    same = [
        col(getattr(table, name)).is_(None)
        if getattr(row, name) is None
        else col(getattr(table, name)) == getattr(row, name)
        for name in key
    ]
    if session.exec(select(table).where(*same)).first() is None:
        session.add(row)
        session.flush()


# --- succession ---------------------------------------------------------------------


@dataclass(frozen=True)
class Succession:
    """`successor` carries on (a part of) `predecessor` from `effective_on`, by a reform."""

    predecessor: str
    successor: str
    reform_id: str
    kind: str
    effective_on: date


def add_succession(
    session: Session,
    *,
    predecessor: str,
    successor: str,
    reform_id: str,
    kind: str,
    effective_on: date,
) -> None:
    """Record that `successor` carries on `predecessor` (once per reform)."""
    row = PartySuccessionRow(
        predecessor=predecessor,
        successor=successor,
        reform_id=reform_id,
        kind=kind,
        effective_on=effective_on,
    )
    _add_once(session, row, "predecessor", "successor", "reform_id")


def predecessors_of(session: Session, party: str) -> list[Succession]:
    """Every party `party` carries on, transitively: the nearest first (newest reform first).

    Each link names the reform; a predecessor reached by two roads is listed once.
    """
    return _walk(session, party, forward=False)


def successors_of(session: Session, party: str) -> list[Succession]:
    """Every party that carries on `party`, transitively: the nearest first (oldest first)."""
    return _walk(session, party, forward=True)


def _walk(session: Session, party: str, *, forward: bool) -> list[Succession]:
    here = col(PartySuccessionRow.predecessor if forward else PartySuccessionRow.successor)
    found: list[Succession] = []
    seen = {party}
    frontier = [party]
    while frontier:
        rows = session.exec(
            select(PartySuccessionRow)
            .where(here.in_(frontier))
            .order_by(
                col(PartySuccessionRow.effective_on).asc()
                if forward
                else col(PartySuccessionRow.effective_on).desc(),
                col(PartySuccessionRow.id),
            )
        ).all()
        frontier = []
        for row in rows:
            found.append(
                Succession(
                    predecessor=row.predecessor,
                    successor=row.successor,
                    reform_id=row.reform_id,
                    kind=row.kind,
                    effective_on=row.effective_on,
                )
            )
            other = row.successor if forward else row.predecessor
            if other not in seen:
                seen.add(other)
                frontier.append(other)
    return found


# --- numbers ------------------------------------------------------------------------


def renumber(
    session: Session, party: str, *, old: str, new: str, on: date, reform_id: str | None = None
) -> None:
    """The municipality `party` has number `new` from `on` (it had `old` until then).

    Ends the old number's identifier row the day the new one starts, enters
    the new number from `on`, and sets the party row's `current_number`.
    Idempotent. `reform_id` is for the caller's records; the rows do not keep it.
    """
    del reform_id
    session.exec(
        update(PartyIdentifierRow)
        .where(
            col(PartyIdentifierRow.scheme) == MUNICIPALITY_NUMBER,
            col(PartyIdentifierRow.value) == old,
            col(PartyIdentifierRow.party_id) == party,
            col(PartyIdentifierRow.valid_to).is_(None),
        )
        .values(valid_to=on)
    )
    add_number(session, party, new, valid_from=on)
    session.exec(
        update(MunicipalityRow)
        .where(col(MunicipalityRow.number) == party)
        .values(current_number=None if new == party else new, updated_at=datetime.now(UTC))
    )
    session.flush()


def add_number(
    session: Session,
    party: str,
    number: str,
    *,
    valid_from: date | None,
    valid_to: date | None = None,
) -> None:
    """Enter `number` as naming `party` from `valid_from` to `valid_to` (idempotent).

    A party a reform creates gets its number from the reform's date, before
    its registration enters it valid from the start.
    """
    row = PartyIdentifierRow(
        scheme=MUNICIPALITY_NUMBER,
        value=number,
        party_id=party,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _add_once(session, row, "scheme", "value", "party_id", "valid_from")


def number_on(session: Session, party: str, day: date) -> str | None:
    """The municipality number `party` had on `day` (None if it had none recorded)."""
    row = session.exec(
        select(PartyIdentifierRow.value)
        .where(
            PartyIdentifierRow.scheme == MUNICIPALITY_NUMBER,
            PartyIdentifierRow.party_id == party,
            or_(
                col(PartyIdentifierRow.valid_from).is_(None),
                col(PartyIdentifierRow.valid_from) <= day,
            ),
            or_(col(PartyIdentifierRow.valid_to).is_(None), col(PartyIdentifierRow.valid_to) > day),
        )
        .order_by(col(PartyIdentifierRow.valid_from).desc().nulls_last())
    ).first()
    return row


def display_number(row: MunicipalityRow) -> str:
    """The number to show for a party's row: a municipality's number now, else its id."""
    return row.current_number or row.number


# --- the reform log -----------------------------------------------------------------


@dataclass(frozen=True)
class ReformEntry:
    """One reform as recorded: the row's values, with its actor."""

    reform_id: str
    kind: str
    effective_on: date
    from_parties: list[str]
    to_parties: list[str]
    numbers: dict[str, Any]
    effects: dict[str, Any]
    evidence: dict[str, Any]
    comment: str | None
    actor: Actor
    recorded_at: datetime
    # Backdated by the demo loader: when it was really entered (None otherwise).
    entered_at: datetime | None = None


def record_reform(session: Session, entry: ReformEntry) -> bool:
    """Append the reform (once: a second call with its id changes nothing); True if appended."""
    if entry.kind not in REFORM_KINDS:
        raise ValueError(f"unknown kind of reform {entry.kind!r}; one of {', '.join(REFORM_KINDS)}")
    known = session.exec(select(ReformRow.id).where(ReformRow.reform_id == entry.reform_id)).first()
    if known is not None:
        return False
    values = {f.name: getattr(entry, f.name) for f in fields(entry) if f.name != "actor"}
    session.add(ReformRow(**values, **actor_columns(entry.actor)))
    session.flush()
    return True


def reform(session: Session, reform_id: str) -> ReformEntry | None:
    """The reform recorded with this id, if any."""
    row = session.exec(select(ReformRow).where(ReformRow.reform_id == reform_id)).first()
    return None if row is None else _entry(row)


def reforms(
    session: Session,
    *,
    party: str | None = None,
    kinds: Sequence[str] = (),
    start: date | None = None,
    end: date | None = None,
) -> list[ReformEntry]:
    """The reforms recorded, by date (then recording order), filtered.

    `party`: those naming it on either side; `start`/`end`: effective in
    [start, end] (both inclusive).
    """
    query = select(ReformRow)
    if kinds:
        query = query.where(col(ReformRow.kind).in_(list(kinds)))
    if start is not None:
        query = query.where(col(ReformRow.effective_on) >= start)
    if end is not None:
        query = query.where(col(ReformRow.effective_on) <= end)
    rows = session.exec(query.order_by(col(ReformRow.effective_on), col(ReformRow.id))).all()
    entries = [_entry(row) for row in rows]
    if party is not None:
        entries = [e for e in entries if party in e.from_parties or party in e.to_parties]
    return entries


def _entry(row: ReformRow) -> ReformEntry:
    names = [f.name for f in fields(ReformEntry) if f.name != "actor"]
    return ReformEntry(**{name: getattr(row, name) for name in names}, actor=row.actor)


def move_home(session: Session, party: str, home: str) -> None:
    """A GP office's or specialist's home municipality is now `home` (its old one ended)."""
    session.exec(
        update(MunicipalityRow)
        .where(col(MunicipalityRow.number) == party)
        .values(home_municipality=home, updated_at=datetime.now(UTC))
    )
    session.flush()
