"""Each party's first days on its road, kept and read again only for the parties that changed.

The dashboard's milestone chart reads every transition in force (at the size
of a country, a million events: a second on PostgreSQL) for an answer of a
few thousand dates. Each party's first days depend on its own log alone
(point_in_time.first_days), so after a write only the parties the write
touched are read again (store/log_changes.py says which, or that it cannot:
then everything is). The answer always equals a whole read of the log at
least as new as the mark it is kept under.

Per process and engine, for the last few (end, known on) pairs asked:
one a day for the chart, a few for "as known on" dates.
"""

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.store import log_changes
from onboarding.store.point_in_time import FirstDays, first_days

# (end, known on) pairs kept per engine.
MAX_KEPT = 8


@dataclass(frozen=True)
class _Kept:
    mark: log_changes.Mark
    days: FirstDays


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: OrderedDict[tuple[date, date | None], _Kept] = OrderedDict()


_BY_ENGINE: "weakref.WeakKeyDictionary[Engine, _Store]" = weakref.WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def _store(engine: Engine) -> _Store:
    with _REGISTRY_LOCK:
        found = _BY_ENGINE.get(engine)
        if found is None:
            found = _BY_ENGINE[engine] = _Store()
        return found


def _read(
    engine: Engine, *, end: date, known_on: date | None, parties: frozenset[str] | None
) -> FirstDays:
    with Session(engine) as session:
        return first_days(session, end=end, known_on=known_on, parties=parties)


def kept_first_days(engine: Engine, *, end: date, known_on: date | None) -> FirstDays:
    """Every party's first days by `end` as known on `known_on`, as the log stands now.

    The answer is shared: do not change it.
    """
    store = _store(engine)
    key = (end, known_on)
    with store.lock:
        kept = store.kept.get(key)
    if kept is None:
        mark = log_changes.mark(engine)
        days = _read(engine, end=end, known_on=known_on, parties=None)
    else:
        mark, changed = log_changes.since(engine, kept.mark)
        if changed is None:
            days = _read(engine, end=end, known_on=known_on, parties=None)
        elif not changed:
            days = kept.days
        else:
            fresh = _read(engine, end=end, known_on=known_on, parties=changed)
            days = {n: v for n, v in kept.days.items() if n not in changed} | fresh
    with store.lock:
        store.kept[key] = _Kept(mark, days)
        store.kept.move_to_end(key)
        while len(store.kept) > MAX_KEPT:
            store.kept.popitem(last=False)
    return days
