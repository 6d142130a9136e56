"""The program audit log and the municipality timeline, merged from every event source.

The audit log is ordered by recording time (transaction time), merged in SQL
with UNION ALL of each source's keys, paged with LIMIT/OFFSET (a page merges
only each source's first rows up to its end), and exported by
streaming those keys from a server-side cursor (`stream_results`, `yield_per`)
and hydrating one batch at a time, so memory stays bounded whatever the size
of the log. A timeline is one municipality's entries (a few hundred at most),
ordered by effective date (valid time), then recording time; its predecessors'
entries (party_succession: the municipalities merged or split into it) are on
it too, each marked as theirs.
"""

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, select, union_all
from sqlmodel import Session, col

from onboarding.history.entries import (
    AuditEntry,
    AuditFilters,
    AuditPage,
    EventSource,
    Predecessor,
)
from onboarding.history.sources.checklist import ChecklistSource
from onboarding.history.sources.contacts import ContactChangeSource
from onboarding.history.sources.corrections import CorrectionSource
from onboarding.history.sources.deadlines import DeadlineSource
from onboarding.history.sources.migrations import MigrationSource
from onboarding.history.sources.notifications import NotificationSource
from onboarding.history.sources.tokens import TokenEventSource
from onboarding.history.sources.transitions import TransitionSource
from onboarding.history.sources.waves import WaveEventSource
from onboarding.store.reforms import Succession, predecessors_of
from onboarding.store.tables.parties import MunicipalityRow

# Every source of history. A new kind of event is a module in sources/ and a line here.
SOURCES: tuple[EventSource, ...] = (
    TransitionSource(),
    CorrectionSource(),
    DeadlineSource(),
    NotificationSource(),
    WaveEventSource(),
    ChecklistSource(),
    ContactChangeSource(),
    TokenEventSource(),
    MigrationSource(),
)
EXPORT_BATCH = 1_000


def known_kinds() -> list[str]:
    """Every entry kind some source produces."""
    return [kind for source in SOURCES for kind in source.kinds]


def _keys(filters: AuditFilters, *, first: int | None, newest_first: bool) -> Any | None:
    """Every source's keys the filters keep, merged; with `first`, each source's first
    `first` in the log's order only (a page ends within them)."""
    selects: list[Select[Any, Any, Any]] = [
        query for source in SOURCES if (query := source.keys(filters)) is not None
    ]
    if not selects:
        return None
    if first is not None:
        # Each source's first rows by its own index on recording time, not a sort of
        # every row of every source: a page of a million-event log in milliseconds.
        # Within one source `source` is a constant: by recording time and id alone.
        selects = [
            select(ranked).select_from(ranked)
            for query in selects
            for columns in (query.selected_columns,)
            for ranked in (
                query.order_by(*_directed([columns.recorded_at, columns.id], newest_first))
                .limit(first)
                .subquery(),
            )
        ]
    return union_all(*selects).subquery("entries")


def _order(columns: Any, newest_first: bool) -> list[Any]:
    """The log's order: by recording time, then source, then id."""
    return _directed([columns.recorded_at, columns.source, columns.id], newest_first)


def _directed(order: list[Any], newest_first: bool) -> list[Any]:
    return [column.desc() for column in order] if newest_first else order


def _ordered(filters: AuditFilters, *, newest_first: bool, first: int | None = None) -> Any | None:
    keys = _keys(filters, first=first, newest_first=newest_first)
    if keys is None:
        return None
    return select(keys.c.recorded_at, keys.c.source, keys.c.id).order_by(
        *_order(keys.c, newest_first)
    )


def _hydrate(session: Session, keys: Sequence[tuple[Any, str, int]]) -> list[AuditEntry]:
    """Entries for these keys, in the keys' order."""
    by_source: dict[str, list[int]] = {}
    for _, name, row_id in keys:
        by_source.setdefault(name, []).append(row_id)
    loaded: dict[str, AuditEntry] = {}
    for source in SOURCES:
        ids = by_source.get(source.name)
        if ids:
            loaded.update((entry.id, entry) for entry in source.load(session, ids))
    return [loaded[f"{name}:{row_id}"] for _, name, row_id in keys]


def audit_page(
    engine: Engine,
    filters: AuditFilters,
    *,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
) -> AuditPage:
    """One page of the audit log, by recording time."""
    # One row more than asked tells whether there is a next page.
    query = _ordered(filters, newest_first=newest_first, first=offset + limit + 1)
    if query is None:
        return AuditPage(items=[], limit=limit, offset=offset, next_offset=None)
    with Session(engine) as session:
        keys = [(r[0], r[1], r[2]) for r in session.execute(query.limit(limit + 1).offset(offset))]
        items = _hydrate(session, keys[:limit])
    return AuditPage(
        items=items,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(keys) > limit else None,
    )


def audit_stream(
    engine: Engine, filters: AuditFilters, *, batch: int = EXPORT_BATCH
) -> Iterator[AuditEntry]:
    """Every entry the filters keep, oldest first, read `batch` at a time.

    The keys come from a server-side cursor on PostgreSQL (SQLite steps through
    its result anyway); each batch is hydrated on a second connection.
    """
    query = _ordered(filters, newest_first=False)
    if query is None:
        return
    with (
        engine.connect().execution_options(stream_results=True, yield_per=batch) as cursor,
        Session(engine) as session,
    ):
        result = cursor.execute(query)
        for partition in result.partitions():
            yield from _hydrate(session, [(row[0], row[1], row[2]) for row in partition])
            session.expunge_all()


def timeline(
    engine: Engine,
    *,
    number: str,
    kinds: frozenset[str] | None = None,
    effective_from: date | None = None,
    effective_to: date | None = None,
    newest_first: bool = False,
    predecessors: bool = True,
) -> list[AuditEntry]:
    """A municipality's entries of every kind, by effective date, then recording time.

    With `predecessors`, its predecessors' entries too (every party it carries
    on through a merger or split, transitively: party_succession), each marked
    with whose it is (`AuditEntry.predecessor`).
    """
    filters = AuditFilters(
        kinds=kinds,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    with Session(engine) as session:
        entries = _entries_of(session, replace(filters, municipality=number))
        for mark in _predecessors(session, number) if predecessors else []:
            entries += [
                entry.model_copy(update={"predecessor": mark})
                for entry in _entries_of(session, replace(filters, municipality=mark.number))
            ]

    def order(entry: AuditEntry) -> tuple[date, datetime, str]:
        return (entry.effective_on or entry.recorded_at.date(), entry.recorded_at, entry.id)

    return sorted(entries, key=order, reverse=newest_first)


def _entries_of(session: Session, filters: AuditFilters) -> list[AuditEntry]:
    query = _ordered(filters, newest_first=False)
    if query is None:
        return []
    return _hydrate(session, [(r[0], r[1], r[2]) for r in session.execute(query)])


def _predecessors(session: Session, number: str) -> list[Predecessor]:
    """Every party `number` carries on, once each (the nearest link), with its name."""
    links: dict[str, Succession] = {}
    for link in predecessors_of(session, number):
        links.setdefault(link.predecessor, link)
    if not links:
        return []
    rows = session.execute(
        select(col(MunicipalityRow.number), col(MunicipalityRow.name)).where(
            col(MunicipalityRow.number).in_(list(links))
        )
    ).all()
    names = {str(number): str(name) for number, name in rows}
    return [
        Predecessor(
            number=party,
            name=names.get(party, party),
            reform_id=link.reform_id,
            reform_kind=link.kind,
            effective_on=link.effective_on,
        )
        for party, link in links.items()
    ]
