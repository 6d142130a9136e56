"""Whole-log reports kept per state of the tables they read, on SQLite and PostgreSQL."""

from datetime import date
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import point_in_time, projection, report_cache
from onboarding.store.reforms import join_region, leave_region
from onboarding.store.tables.parties import AuditEventRow
from tests.helpers.store import projected, register

DAY = date(2030, 6, 1)
AUDIT = AuditEventRow.__table__  # type: ignore[attr-defined]


def signed(engine: Engine, number: str, seq: int = 1) -> None:
    register(engine, number)
    projection.record_transition(
        engine,
        projected(
            number,
            seq,
            Trigger.SIGN_COLLABORATION,
            Stage.PROSPECTIVE,
            Stage.COLLABORATION_SIGNED,
            date(2030, 1, 10),
        ),
    )


def test_a_report_is_computed_once_for_each_state_of_what_it_reads(sql_engine: Engine) -> None:
    signed(sql_engine, "8801")
    computed: list[int] = []

    def funnel() -> Any:
        computed.append(1)
        return point_in_time.funnel(sql_engine, as_of=DAY)

    def ask() -> Any:
        return report_cache.cached(sql_engine, ("funnel", DAY), funnel)

    first = ask()
    assert ask() is first and len(computed) == 1
    assert first.stages[Stage.COLLABORATION_SIGNED.value] == 1

    # A transition recorded, a party registered, a period closed in place (a reform):
    # each is a new state, computed again.
    signed(sql_engine, "8802")
    assert ask().stages[Stage.COLLABORATION_SIGNED.value] == 2 and len(computed) == 2
    register(sql_engine, "8803")
    assert ask().total == 3 and len(computed) == 3
    with Session(sql_engine) as session:
        join_region(session, "8803", date(2020, 1, 1), reform_id=None)
        session.commit()
    ask()
    assert len(computed) == 4
    with Session(sql_engine) as session:
        leave_region(session, "8803", date(2030, 1, 1), reform_id=None)
        session.commit()
    assert ask().total == 2 and len(computed) == 5
    # A period closed on the day its date sum counts as nothing (2000-01-01) is a change too.
    register(sql_engine, "8804")
    with Session(sql_engine) as session:
        join_region(session, "8804", date(1990, 1, 1), reform_id=None)
        session.commit()
    before = report_cache.version(sql_engine)
    with Session(sql_engine) as session:
        leave_region(session, "8804", date(2000, 1, 1), reform_id=None)
        session.commit()
    assert report_cache.version(sql_engine) != before
    # Another report (other arguments) is its own answer.
    asked = len(computed)
    report_cache.cached(sql_engine, ("funnel", date(2029, 1, 1)), funnel)
    assert len(computed) == asked + 1


def test_an_event_committed_after_a_later_id_is_a_new_state(sql_engine: Engine) -> None:
    # Two writers: the one given the lower id commits second. The largest id is the same
    # before and after its commit; the count is not.
    signed(sql_engine, "8801")
    with Session(sql_engine) as session:
        row = dict(session.execute(select(AUDIT)).mappings().one())

    def commit(number: str, event_id: int) -> None:
        register(sql_engine, number)
        with Session(sql_engine) as session:
            session.execute(
                insert(AUDIT).values({**row, "id": event_id, "municipality_number": number})
            )
            session.commit()

    commit("8802", 10)
    before = report_cache.version(sql_engine)
    commit("8803", 5)
    assert report_cache.version(sql_engine) != before
