"""The common shape of every history entry, the filters, and the base class of a source."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, true
from sqlmodel import Session

from onboarding.domain.actor import Actor
from onboarding.domain.calendar import OSLO

SYSTEM_ACTOR = Actor(id="system", name="onboarding", role="system")


class Predecessor(BaseModel):
    """Whose history an entry is, when it is a predecessor's on a municipality's timeline."""

    number: str = Field(description="the predecessor's party id (its number at registration)")
    name: str
    reform_id: str = Field(description="the reform by which this party carries it on")
    reform_kind: str = Field(description="merger or split")
    effective_on: date = Field(description="the day that reform took effect")


class AuditEntry(BaseModel):
    """One thing that happened, from any source: who, when it took effect, when it was recorded."""

    id: str = Field(description="`<source>:<row id>`, e.g. transition:42; stable")
    kind: str = Field(description="transition, correction, deadline_change, reminder, ...")
    municipality_number: str | None
    wave: str | None = Field(None, description="the production wave it concerns, if any")
    actor: Actor
    effective_on: date | None = Field(description="valid time: when it took effect")
    recorded_at: datetime = Field(description="transaction time: when it was recorded")
    entered_at: datetime | None = Field(
        None,
        description="set only on a backdated entry (the demo loader's, domain/recording.py): "
        "when it was really entered; recorded_at is the time the loader gave it",
    )
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    comment: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    predecessor: Predecessor | None = Field(
        None,
        description="on a timeline: set on an entry from a predecessor's history (a "
        "municipality merged or split into this one), naming whose it is",
    )


class AuditPage(BaseModel):
    """One page of entries; `next_offset` is None on the last page."""

    items: list[AuditEntry]
    limit: int
    offset: int
    next_offset: int | None


@dataclass(frozen=True)
class AuditFilters:
    """What to keep. Periods are whole days in Europe/Oslo, both ends included."""

    actor: str | None = None  # an actor id (token:3) or name, case-insensitive
    kinds: frozenset[str] | None = None
    municipality: str | None = None
    wave: str | None = None
    recorded_from: date | None = None
    recorded_to: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in Oslo, as naive UTC (how both databases compare)."""
    return datetime.combine(day, time(), tzinfo=OSLO).astimezone(UTC).replace(tzinfo=None)


def recorded_between(column: Any, filters: AuditFilters) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` (a timestamp) within the recorded period."""
    conditions: list[ColumnElement[bool]] = []
    if filters.recorded_from is not None:
        conditions.append(column >= day_start(filters.recorded_from))
    if filters.recorded_to is not None:
        conditions.append(column < day_start(filters.recorded_to + timedelta(days=1)))
    return conditions


def effective_between(column: Any, filters: AuditFilters) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` (a date) within the effective period."""
    conditions: list[ColumnElement[bool]] = []
    if filters.effective_from is not None:
        conditions.append(column >= filters.effective_from)
    if filters.effective_to is not None:
        conditions.append(column <= filters.effective_to)
    return conditions


def recorded_is_effective(column: Any, filters: AuditFilters) -> list[ColumnElement[bool]]:
    """Conditions for events that take effect the (Oslo) day they are recorded.

    Both periods apply to `column` (a timestamp): the recorded one as such,
    the effective one by the day the event was recorded.
    """
    conditions = recorded_between(column, filters)
    if filters.effective_from is not None:
        conditions.append(column >= day_start(filters.effective_from))
    if filters.effective_to is not None:
        conditions.append(column < day_start(filters.effective_to + timedelta(days=1)))
    return conditions


def actor_is(id_column: Any, name_column: Any, actor: str) -> ColumnElement[bool]:
    """The actor filter: its id exactly, or its name whatever the case."""
    return or_(id_column == actor, func.lower(name_column) == actor.lower())


def narrowed(table: Any, filters: AuditFilters) -> list[ColumnElement[bool]]:
    """The municipality and actor filters, on a table of events about one municipality.

    `table` has a `municipality_number` column and the actor columns
    (store/tables/actor.py), as every append-only table of recorded events does.
    """
    conditions: list[ColumnElement[bool]] = []
    if filters.municipality is not None:
        conditions.append(table.municipality_number == filters.municipality)
    if filters.actor is not None:
        conditions.append(actor_is(table.actor_id, table.actor_name, filters.actor))
    return conditions


class EventSource(ABC):
    """One table of events, mapped onto AuditEntry.

    `keys` selects (recorded_at, source, id) of the rows the filters keep, so
    the log can merge and page every source in one SQL statement; `load` turns
    rows, by id, into entries.
    """

    #: prefix of the entry ids, and the `source` value of its keys
    name: str
    #: the entry kinds it produces
    kinds: tuple[str, ...]

    def wanted(self, filters: AuditFilters) -> bool:
        """Whether any of this source's kinds pass the kind filter."""
        return filters.kinds is None or bool(filters.kinds.intersection(self.kinds))

    @abstractmethod
    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        """(recorded_at, source, id) of the rows `filters` keep; None if it keeps none."""

    @abstractmethod
    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        """The entries of these rows (any order)."""


def all_of(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """AND of the conditions (true when there are none)."""
    return and_(true(), *conditions)


def key_select(
    source: str, recorded_at: Any, row_id: Any, conditions: list[ColumnElement[bool]]
) -> Select[Any, Any, Any]:
    """A source's keys: (recorded_at, source, id) of the rows the conditions keep."""
    return select(
        recorded_at.label("recorded_at"), literal(source).label("source"), row_id.label("id")
    ).where(all_of(conditions))


class TableSource(EventSource):
    """A source that is one append-only table of recorded events (store/tables/).

    Its rows have `id`, `recorded_at`, `municipality_number` and the actor
    columns (a source whose table lacks `municipality_number` refuses the
    municipality filter in its own `keys` first). Such an event belongs to no
    wave: a `wave` filter keeps none. An event takes effect the (Oslo) day it
    is recorded, unless `effective_on` names a column of the day it took
    effect. Subclasses name the table and map a row onto an entry (`entry`);
    `conditions` adds filters of their own.
    """

    #: the table's row class (store/tables/)
    table: Any

    def effective_on(self) -> Any | None:
        """The column of the day an event took effect; None: the day it was recorded."""
        return None

    def keys(self, filters: AuditFilters) -> Select[Any, Any, Any] | None:
        if not self.wanted(filters) or filters.wave is not None:
            return None
        recorded = self.table.recorded_at
        effective = self.effective_on()
        if effective is None:
            conditions = recorded_is_effective(recorded, filters)
        else:
            conditions = recorded_between(recorded, filters)
            conditions += effective_between(effective, filters)
        conditions += narrowed(self.table, filters)
        conditions += self.conditions(filters)
        return key_select(self.name, recorded, self.table.id, conditions)

    def conditions(self, filters: AuditFilters) -> list[ColumnElement[bool]]:
        """What this source keeps beyond the periods, municipality and actor (nothing)."""
        return []

    def rows(self, session: Session, ids: Sequence[int]) -> Sequence[Any]:
        """The rows of these ids."""
        return session.scalars(select(self.table).where(self.table.id.in_(ids))).all()

    def load(self, session: Session, ids: Sequence[int]) -> list[AuditEntry]:
        return [self.entry(row) for row in self.rows(session, ids)]

    @abstractmethod
    def entry(self, row: Any) -> AuditEntry:
        """The entry of one row."""
