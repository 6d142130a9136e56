"""The reports kept between requests (store/kept_reports.py) equal a whole read of the log.

Randomized histories (test_point_in_time's: transitions the process allows,
backdated, amended and voided, recorded at any hour) are written one step at
a time; after each step the kept answers, read again only for the parties the
step touched, must equal a whole read (the milestone chart's first days, the
funnel of every kind and of municipalities, the API's milestone series), for
dates and "as known on" days around the history. On SQLite and on PostgreSQL.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, insert, select
from sqlmodel import Session

from onboarding.domain.parties.correction_records import CorrectionKind
from onboarding.domain.parties.models import RegistrationInput
from onboarding.domain.party import PartyKind
from onboarding.domain.reports import Interval
from onboarding.store import kept_reports, log_changes, point_in_time, projection
from onboarding.store.reforms import join_region, leave_region
from onboarding.store.tables.parties import AuditEventRow
from tests.store.test_point_in_time import EPOCH, Model, _correct, _numbers, _transition
from tests.store.test_report_cache import signed

AUDIT = AuditEventRow.__table__  # type: ignore[attr-defined]

STEPS = st.lists(
    st.tuples(
        st.integers(0, 2),  # which municipality
        st.integers(0, 9),  # 0-6 transition, 7-8 amend, 9 void
        st.integers(0, 120),  # days after the previous step
        st.integers(0, 23),  # hour (UTC) it was recorded
        st.integers(0, 10_000),  # the choice within the step
    ),
    min_size=1,
    max_size=12,
)
# (end or as of, known on) as days after the epoch; known on None: now.
QUESTIONS = st.lists(
    st.tuples(st.integers(0, 1_500), st.one_of(st.none(), st.integers(0, 1_500))),
    min_size=1,
    max_size=3,
)


def _day(days: int | None) -> date | None:
    return None if days is None else EPOCH.date() + timedelta(days=days)


def whole(engine: Engine, end: date, known_on: date | None) -> point_in_time.FirstDays:
    with Session(engine) as session:
        return point_in_time.first_days(session, end=end, known_on=known_on)


def check_kept(engine: Engine, steps: Any, questions: Any) -> None:
    models = [Model(number=str(next(_numbers))) for _ in range(3)]
    for model in models:
        projection.register_municipality(
            engine,
            RegistrationInput(
                municipality=model.municipality(),
                workflow_id=f"municipality-{model.number}",
                run_id="run-1",
            ),
        )
    asked = [(_day(end), _day(known)) for end, known in questions]
    day = 0
    for which, operation, gap, hour, choice in steps:
        day += gap
        model = models[which]
        if operation <= 6:
            _transition(engine, model, choice, day, hour)
        elif operation <= 8:
            _correct(engine, model, CorrectionKind.AMEND, choice, day, hour)
        else:
            _correct(engine, model, CorrectionKind.VOID, choice, day, hour)
        for end, known_on in asked:
            assert end is not None
            kept = kept_reports.first_days(engine, end=end, known_on=known_on)
            assert kept == whole(engine, end, known_on)
            for kind in (PartyKind.MUNICIPALITY, None):
                arguments = {"as_of": end, "known_on": known_on, "kind": kind}
                assert kept_reports.funnel(engine, **arguments) == point_in_time.funnel(
                    engine, **arguments
                )
                series = {
                    "start": EPOCH.date(),
                    "end": end,
                    "interval": Interval.QUARTER,
                    "known_on": known_on,
                    "kind": kind,
                }
                assert kept_reports.milestone_series(
                    engine, **series
                ) == point_in_time.milestone_series(engine, **series)


SETTINGS: Any = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=15, **SETTINGS)
@given(steps=STEPS, questions=QUESTIONS)
def test_kept_first_days_equal_a_whole_read_on_sqlite(
    sqlite_engine: Engine, steps: Any, questions: Any
) -> None:
    check_kept(sqlite_engine, steps, questions)


@settings(max_examples=8, **SETTINGS)
@given(steps=STEPS, questions=QUESTIONS)
def test_kept_first_days_equal_a_whole_read_on_postgresql(
    postgres_engine: Engine, steps: Any, questions: Any
) -> None:
    check_kept(postgres_engine, steps, questions)


def test_after_a_write_only_the_parties_it_touched_are_read(
    sql_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed(sql_engine, "8801")
    signed(sql_engine, "8802")
    read: list[frozenset[str] | None] = []
    first_days = point_in_time.first_days

    def counting(session: Session, **arguments: Any) -> point_in_time.FirstDays:
        if "parties" in arguments:  # the store's reads, not the whole reads compared with
            read.append(arguments["parties"])
        return first_days(session, **arguments)

    monkeypatch.setattr(point_in_time, "first_days", counting)
    end = date(2030, 6, 1)
    kept_reports.first_days(sql_engine, end=end, known_on=None)
    assert read == [None]
    kept_reports.first_days(sql_engine, end=end, known_on=None)
    assert read == [None]  # nothing changed: nothing read
    signed(sql_engine, "8801", seq=2)
    kept = kept_reports.first_days(sql_engine, end=end, known_on=None)
    assert read == [None, frozenset({"8801"})]
    assert kept == whole(sql_engine, end, None)


def test_the_funnel_after_a_write_reads_the_parties_it_touched_and_follows_reforms(
    sql_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed(sql_engine, "8801")
    signed(sql_engine, "8802")
    read: list[frozenset[str] | None] = []
    places = point_in_time.places

    def counting(session: Session, **arguments: Any) -> point_in_time.Places:
        if "parties" in arguments:  # the store's reads, not the whole funnel compared with
            read.append(arguments["parties"])
        return places(session, **arguments)

    monkeypatch.setattr(point_in_time, "places", counting)
    day = date(2030, 6, 1)

    def same() -> bool:
        kept = kept_reports.funnel(sql_engine, as_of=day, known_on=None, kind=None)
        return kept == point_in_time.funnel(sql_engine, as_of=day, known_on=None, kind=None)

    assert same() and read == [None]
    signed(sql_engine, "8802", seq=2)
    assert same() and read == [None, frozenset({"8802"})]
    # A party's periods in the region change its place without a line of its log.
    with Session(sql_engine) as session:
        join_region(session, "8801", date(2020, 1, 1), reform_id=None)
        session.commit()
    assert same() and read[-1] is None
    with Session(sql_engine) as session:
        leave_region(session, "8801", date(2030, 1, 1), reform_id=None)
        session.commit()
    assert same() and read[-1] is None and len(read) == 4


def test_what_the_mark_cannot_tell_apart_is_read_whole(
    sql_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed(sql_engine, "8801")
    start = log_changes.mark(sql_engine)
    assert log_changes.since(sql_engine, start) == (start, frozenset())
    # A party registered: the events of a party not yet registered may count now.
    signed(sql_engine, "8802")
    assert log_changes.since(sql_engine, start)[1] is None
    # Two writers, the one given the lower id committing second: the count grew by more
    # than the rows above the largest id.
    with Session(sql_engine) as session:
        row = dict(session.execute(select(AUDIT).limit(1)).mappings().one())

    def commit(event_id: int, seq: int) -> None:
        with Session(sql_engine) as session:
            session.execute(insert(AUDIT).values({**row, "id": event_id, "seq": seq}))
            session.commit()

    commit(100, 10)
    before = log_changes.mark(sql_engine)
    commit(50, 11)
    assert log_changes.since(sql_engine, before)[1] is None
    # In order, the party is named; beyond MOST_CHANGED parties, everything is read.
    before = log_changes.mark(sql_engine)
    commit(101, 12)
    assert log_changes.since(sql_engine, before)[1] == {row["municipality_number"]}
    monkeypatch.setattr(log_changes, "MOST_CHANGED", 0)
    assert log_changes.since(sql_engine, before)[1] is None


def test_a_mark_read_without_one_to_compare_counts_each_table_once(sql_engine: Engine) -> None:
    signed(sql_engine, "8801")
    asked: list[Any] = []

    def note(*args: Any) -> None:
        asked.append(args[3])

    event.listen(sql_engine, "before_cursor_execute", note)
    try:
        log_changes.mark(sql_engine)
    finally:
        event.remove(sql_engine, "before_cursor_execute", note)
    # The rows above the mark's largest ids, none asked for, are counted from beyond every
    # id (an empty range of the index), not from 0 (every row a second time).
    [parameters] = asked
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert sorted(v for v in values if isinstance(v, int)) == [log_changes._NO_ID_ABOVE] * 2
