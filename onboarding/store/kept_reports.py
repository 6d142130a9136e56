"""The dashboard's whole-log reports kept per party, read again only for the parties that changed.

The milestone series and the funnel read every transition in force (at the
size of a country, a million events: half a second and more on PostgreSQL).
Both are built from an answer per party that depends on that party's log
alone (point_in_time.first_days, point_in_time.places), so after a write only
the parties the write touched are read again: store/log_changes.py says
which, or that it cannot (a party registered, a reform, an id committed out
of order): then everything is. The answer always equals a whole read of the
log at least as new as the mark it is kept under.

Per process and engine, the answers of the last few arguments asked (the
chart and the API's series: one end a day, a few "as known on" dates; the
funnel: the dates and kinds the dashboard was asked for).
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.domain.party import PartyKind
from onboarding.domain.reports import FunnelReport, Interval, MilestoneSeries
from onboarding.store import log_changes, point_in_time
from onboarding.store.kept_per_engine import KeptPerEngine

# Answers kept per engine: a few megabytes each at the size of a country (a
# tuple per party), so a handful; an answer pushed out is read whole next time.
MAX_KEPT = 8

_V = TypeVar("_V")


@dataclass(frozen=True)
class _Kept:
    mark: log_changes.Mark
    answer: dict[str, Any]


_KEPT = KeptPerEngine(MAX_KEPT)
# The API's series apart: a client asking for one date after another would
# otherwise push the dashboard's answers out, each then read whole again.
_KEPT_FOR_API = KeptPerEngine(MAX_KEPT)


def kept(
    engine: Engine,
    key: Hashable,
    read: Callable[[frozenset[str] | None], dict[str, _V]],
    store: KeptPerEngine = _KEPT,
) -> dict[str, _V]:
    """`read(None)`'s answer (per party id) as the log stands now, kept under `key`.

    `read(parties)` answers for those parties only; a party missing from its
    answer has none (it is dropped). The answer is shared: do not change it.
    """
    found: _Kept | None = store.get(engine, key)
    answer: dict[str, _V]
    if found is None:
        mark = log_changes.mark(engine)
        answer = read(None)
    else:
        mark, changed = log_changes.since(engine, found.mark)
        if changed is None:
            answer = read(None)
        elif not changed:
            answer = found.answer
        else:
            fresh = read(changed)
            answer = {n: v for n, v in found.answer.items() if n not in changed} | fresh
    store.put(engine, key, _Kept(mark, answer))
    return answer


def first_days(
    engine: Engine, *, end: date, known_on: date | None, store: KeptPerEngine = _KEPT
) -> point_in_time.FirstDays:
    """Every party's first days by `end` as known on `known_on` (point_in_time.first_days)."""

    def read(parties: frozenset[str] | None) -> point_in_time.FirstDays:
        with Session(engine) as session:
            return point_in_time.first_days(session, end=end, known_on=known_on, parties=parties)

    return kept(engine, ("first days", end, known_on), read, store)


def milestone_series(
    engine: Engine,
    *,
    start: date,
    end: date,
    interval: Interval,
    known_on: date | None,
    kind: PartyKind | None,
) -> MilestoneSeries:
    """point_in_time.milestone_series, from each party's first days kept (for the API:
    apart from the dashboard's)."""
    return point_in_time.milestone_series(
        engine,
        start=start,
        end=end,
        interval=interval,
        known_on=known_on,
        kind=kind,
        first=first_days(engine, end=end, known_on=known_on, store=_KEPT_FOR_API),
    )


def funnel(
    engine: Engine, *, as_of: date, known_on: date | None, kind: PartyKind | None
) -> FunnelReport:
    """point_in_time.funnel, from each party's place kept (point_in_time.places)."""

    def read(parties: frozenset[str] | None) -> point_in_time.Places:
        with Session(engine) as session:
            return point_in_time.places(
                session, as_of=as_of, known_on=known_on, kind=kind, parties=parties
            )

    found = kept(engine, ("places", as_of, known_on, kind), read)
    total = point_in_time.region_count(engine, as_of=as_of, kind=kind)
    return point_in_time.funnel_of(found, total, as_of=as_of, known_on=known_on, kind=kind)
