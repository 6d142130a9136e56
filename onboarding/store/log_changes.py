"""Which parties' logs changed since a mark: for reports kept per party and read again in part.

A report whose answer for a party depends on that party's log alone (its
audit events and the corrections of them) can be kept and, after a write,
read again for the parties the write touched instead of the whole log. A
`Mark` says how far the log was when an answer was read: the row count and
largest id of `audit_event` and `correction` (both append-only), how many
parties are registered (a party's kind decides its road) and the state of
their periods in the region (store/report_cache.py's, for reports that count
the region of a date).

`since(engine, mark)` reads a new mark and the parties changed after the old
one, or None when it cannot say which (then read everything again):

- a party registered: events recorded before it was could now count;
- a period in the region opened or closed (a reform): a party's place in a
  report of a date may change without a line of its log;
- a row committed after the mark with an id below the mark's largest
  (concurrent writers commit ids out of order): the new mark's count grew by
  more than the rows above the old largest id, read in the same statement so
  both see the same committed rows;
- more parties changed than `MOST_CHANGED` (reading them one by one would
  cost more than the whole log).

Read the mark before the answer it marks: a row committed in between is then
in the answer and after the mark, read again next time, which is harmless;
a row in the mark is always in the answer.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from onboarding.store.party_log import CORRECTIONS_SQL, EVENTS_SQL
from onboarding.store.report_cache import periods_sql

_NO_ID_ABOVE = 2**63 - 1
# Beyond this many changed parties a whole read is as cheap (and one query).
MOST_CHANGED = 500


@dataclass(frozen=True)
class Mark:
    """How far the log was: counts and largest ids (0 when empty) of its tables."""

    events: int
    last_event: int
    corrections: int
    last_correction: int
    parties: int
    periods: tuple[Any, ...]


def _mark_sql(dialect: str) -> str:
    # The counts of whole tables from party_log's per-party counts (a million rows
    # counted would take 50 ms and more); the rows above an id from the primary key.
    return (
        f"SELECT {EVENTS_SQL}, "
        "(SELECT COALESCE(MAX(id), 0) FROM audit_event), "
        "(SELECT COUNT(*) FROM audit_event WHERE id > :last_event), "
        f"{CORRECTIONS_SQL}, (SELECT COALESCE(MAX(id), 0) FROM correction), "
        "(SELECT COUNT(*) FROM correction WHERE id > :last_correction), "
        f"(SELECT COUNT(*) FROM municipality), {periods_sql(dialect)}"
    )


_CHANGED_SQL = text(
    "SELECT municipality_number FROM audit_event WHERE id > :last_event AND id <= :upto_event "
    "UNION SELECT e.municipality_number FROM correction AS c "
    "JOIN audit_event AS e ON e.id = c.event_id "
    "WHERE c.id > :last_correction AND c.id <= :upto_correction"
)


def _read(engine: Engine, after: Mark | None) -> tuple[Mark, int, int]:
    """The mark now, and how many event and correction rows lie above `after`'s largest ids."""
    # Without a mark to compare with, nothing is counted above it: the largest id
    # there can be, so the rows above are an empty range of the primary key's index
    # (0 would count every row a second time: at a million events, twice the time).
    params = {
        "last_event": after.last_event if after else _NO_ID_ABOVE,
        "last_correction": after.last_correction if after else _NO_ID_ABOVE,
    }
    with engine.connect() as connection:
        row = connection.execute(text(_mark_sql(engine.dialect.name)), params).one()
    events, last_event, new_events, corrections, last_correction, new_corrections, parties = row[:7]
    mark = Mark(events, last_event, corrections, last_correction, parties, tuple(row[7:]))
    return mark, new_events, new_corrections


def mark(engine: Engine) -> Mark:
    """How far the log is now."""
    return _read(engine, None)[0]


def since(engine: Engine, before: Mark) -> tuple[Mark, frozenset[str] | None]:
    """The mark now and the parties whose log changed after `before` (None: cannot say)."""
    now, new_events, new_corrections = _read(engine, before)
    if (
        now.parties != before.parties
        or now.periods != before.periods
        or now.events - before.events != new_events
        or now.corrections - before.corrections != new_corrections
    ):
        return now, None
    if now == before:
        return now, frozenset()
    params = {
        "last_event": before.last_event,
        "upto_event": now.last_event,
        "last_correction": before.last_correction,
        "upto_correction": now.last_correction,
    }
    with engine.connect() as connection:
        changed = frozenset(connection.execute(_CHANGED_SQL, params).scalars())
    return now, changed if len(changed) <= MOST_CHANGED else None
