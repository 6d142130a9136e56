"""Reports over the whole log, computed once for each state of the tables they read.

The funnel and the milestone series read every audit event: at the size of a
country (10,000 parties, a million events) that is a second and more on
PostgreSQL, for answers that change only when something is recorded. `cached`
keeps a report's answer under the read model's `version`: aggregates that
change whenever a table the reports read (onboarding.store.point_in_time)
changes, each cheap to read:

- `audit_event` and `correction` are append-only: their row count and largest
  id (the count, because concurrent writers commit ids out of order; summed
  from the per-party counts the database keeps, store/party_log.py, as
  counting a million rows takes 50 ms and more);
- `municipality`: its row count (a party registered; a kind never changes);
- `party_region_period`, closed in place when a reform ends a period (its
  `valid_to` goes from empty to a date, never back): count, largest id, how
  many periods have an end, and the sum of their dates.

The version is read before the report, so an answer computed while a write
commits is filed under the version before it and the next request, seeing
the new version, computes again: nothing recorded is missed once committed.
Per process, the last few dozen answers (least recently used goes first).
"""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, text

from onboarding.store.kept_per_engine import KeptPerEngine
from onboarding.store.party_log import CORRECTIONS_SQL, EVENTS_SQL

_T = TypeVar("_T")
# Answers kept per engine: dashboards of a few dates, kinds and known-on days.
MAX_ANSWERS = 64

# Date sums per dialect: days since 2000 (valid_to is NULL while a period is open).
_DAYS = {
    "postgresql": "COALESCE({column} - DATE '2000-01-01', 0)",
    "sqlite": "COALESCE(CAST(julianday({column}) - julianday('2000-01-01') AS INTEGER), 0)",
}


def periods_sql(dialect: str) -> str:
    """SQL select items: the state of `party_region_period` (see the module's docstring)."""
    days = _DAYS.get(dialect, _DAYS["postgresql"])
    spans = f"{days.format(column='valid_from')} + {days.format(column='valid_to')}"
    return (
        "(SELECT COUNT(*) FROM party_region_period), (SELECT MAX(id) FROM party_region_period), "
        "(SELECT COUNT(valid_to) FROM party_region_period), "
        f"(SELECT SUM({spans}) FROM party_region_period)"
    )


def _version_sql(dialect: str) -> str:
    return (
        f"SELECT {EVENTS_SQL}, (SELECT MAX(id) FROM audit_event), "
        f"{CORRECTIONS_SQL}, (SELECT MAX(id) FROM correction), "
        f"(SELECT COUNT(*) FROM municipality), {periods_sql(dialect)}"
    )


def version(engine: Engine) -> tuple[Any, ...]:
    """The state of the tables the reports read, as a key (see the module's docstring)."""
    with engine.connect() as connection:
        row = connection.execute(text(_version_sql(engine.dialect.name))).one()
    return tuple(row)


_ANSWERS = KeptPerEngine(MAX_ANSWERS)


def cached(
    engine: Engine,
    key: Hashable,
    compute: Callable[[], _T],
    *,
    state: tuple[Any, ...] | None = None,
) -> _T:
    """`compute()`'s answer for `key` in the read model's present state (computed if new).

    `key` names the report and every argument it depends on (dates, kind);
    `state`: the `version` the caller read just now, for several reports of one
    request (default: read here). Two requests at once for a new state may both
    compute it.
    """
    full = (key, version(engine) if state is None else state)
    found: _T | None = _ANSWERS.get(engine, full)
    if found is not None:
        return found
    answer = compute()
    _ANSWERS.put(engine, full, answer)
    return answer
