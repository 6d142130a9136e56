"""Reports on any date count the region of that date (issue #20), on SQLite and PostgreSQL.

The region's history (85 municipalities in 2015, 65 in 2021, 66 in 2022, 67 from 2024) is
written into the read model as the history load leaves it: the 85 registered with their
numbers of then, each reform's rows (region periods, renumbered numbers, who succeeds whom)
as store/reforms.py writes them, every party of 2015 signing the collaboration agreement in
2015/16 and again in 2017 (through the writer of test_reports_per_kind), and each merger's
or split's result starting from what it inherits (collaboration signed) on its reform's date.
The expected figures are counted here straight from the CSV files
(tests/helpers/region_count.py), not by the code under test.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.domain.actor import Actor
from onboarding.domain.parties.region import shipped_region
from onboarding.domain.party import PartyKind
from onboarding.domain.region_history import ChangeKind, shipped_history
from onboarding.domain.region_history.parties import ENDING, HistoryPlan
from onboarding.domain.reports import Interval
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import coverage, point_in_time, reforms
from tests.helpers import region_count
from tests.helpers.region_rows import region_rows
from tests.store.test_reports_per_kind import Writer

ACTOR = Actor(id="token:1", name="Kari Nordmann", role="coordinator")
PLAN = HistoryPlan.build(shipped_history(), {m.number: m.health_trust for m in shipped_region()})
MUNICIPALITIES = PartyKind.MUNICIPALITY
DAYS = [date(2016, 6, 30), date(2019, 6, 30), date(2021, 6, 30), date(2022, 10, 11)]
DAYS += [date(2024, 6, 30), *region_count.change_dates()]


def write_history(engine: Engine) -> None:
    """The history as the load leaves it; every party of 2015 signs twice before 2018."""
    for index, party in enumerate(PLAN.first_day):
        day = date(2015, 10, 1) + timedelta(days=index)
        Writer(engine, party).register().go(Trigger.SIGN_COLLABORATION, day).go(
            Trigger.SIGN_COLLABORATION, date(2017, 3, 1) + timedelta(days=index)
        )
    for party, joins in PLAN.joining:  # Os: registered with them, in the area from 2022
        with Session(engine) as session:
            reforms.add_region_period(session, party.number, joins)
            session.commit()
        Writer(engine, party).register().go(Trigger.SIGN_COLLABORATION, date(2017, 9, 25))
    for reform in PLAN.reforms:
        day = reform.effective_on
        with Session(engine) as session:
            for party in reform.new:
                reforms.add_number(session, party.number, party.number, valid_from=day)
            session.commit()
        for party in reform.new:
            writer = Writer(engine, party).register()
            if reform.kind in ENDING:  # it inherits the collaboration its predecessors signed
                writer.go(Trigger.SIGN_COLLABORATION, day, lag=0)
        with Session(engine) as session:
            if reform.kind is ChangeKind.RENUMBERING:
                (party,) = reform.from_parties
                (old,), (new,) = reform.change.from_numbers, reform.change.to_numbers
                reforms.renumber(
                    session, party, old=old, new=new, on=day, reform_id=reform.reform_id
                )
            if reform.kind in ENDING:
                for old in reform.from_parties:
                    if old not in reform.to_parties:
                        reforms.leave_region(session, old, day, reform_id=reform.reform_id)
                for new in reform.to_parties:
                    reforms.join_region(session, new, day, reform_id=reform.reform_id)
                    for old in reform.from_parties:
                        reforms.add_succession(
                            session,
                            predecessor=old,
                            successor=new,
                            reform_id=reform.reform_id,
                            kind=reform.kind.value,
                            effective_on=day,
                        )
            if reform.kind is ChangeKind.JOINED:
                for new in reform.to_parties:
                    reforms.join_region(session, new, day, reform_id=reform.reform_id)
            session.commit()


@pytest.fixture
def history(sql_engine: Engine) -> Engine:
    write_history(sql_engine)
    return sql_engine


def test_every_report_counts_the_region_of_its_date(history: Engine) -> None:
    for day in DAYS:
        region = region_count.region_on(day)  # party -> its number that day
        funnel = point_in_time.funnel(history, as_of=day, kind=MUNICIPALITIES)
        assert funnel.total == len(region), day
        assert funnel.reached["collaboration_signed"] == len(region), day
        assert sum(funnel.stages.values()) == len(region), day
        stages = point_in_time.stages(history, as_of=day, kind=MUNICIPALITIES)
        assert {r.number: r.municipality_number for r in stages.municipalities} == region, day
        together = coverage.coverage(history, as_of=day).together
        assert together.parties == len(region), day


@pytest.mark.parametrize(
    ("day", "count"), [("2016-06-30", 85), ("2021-06-30", 65), ("2024-06-30", 67)]
)
def test_the_published_counts(history: Engine, day: str, count: int) -> None:
    funnel = point_in_time.funnel(history, as_of=date.fromisoformat(day), kind=MUNICIPALITIES)
    assert funnel.total == count


def test_numbers_of_then_and_one_party_across_a_renumbering(history: Engine) -> None:
    rows = point_in_time.stages(history, as_of=date(2016, 6, 30), kind=MUNICIPALITIES)
    by_id = {r.number: r for r in rows.municipalities}
    assert by_id["1601"].municipality_number == "1601"  # Trondheim
    assert by_id["1662"].name == "Klæbu"
    later = point_in_time.stages(history, as_of=date(2019, 6, 30), kind=MUNICIPALITIES)
    by_id = {r.number: r for r in later.municipalities}
    assert by_id["1601"].municipality_number == "5001"  # the same party, its new number
    assert by_id["1601"].milestone is Stage.COLLABORATION_SIGNED
    assert "5001" not in by_id  # the Trondheim of 2020 did not exist yet
    today = point_in_time.stages(history, as_of=date(2024, 6, 30), kind=MUNICIPALITIES)
    assert {r.number for r in today.municipalities} >= {"5001", "1634", "1508", "1580"}


def test_the_milestone_series_runs_across_the_reforms_without_jumps(history: Engine) -> None:
    series = point_in_time.milestone_series(
        history,
        start=date(2015, 1, 1),
        end=date(2024, 12, 31),
        interval=Interval.MONTH,
        kind=MUNICIPALITIES,
    )
    signed_by = date(2016, 1, 31)  # the last party of 2015 signs in January 2016
    for point in series.points:
        region = region_count.region_on(point.on)
        assert point.total == len(region), point.on
        if point.on >= signed_by:
            # A renumbered party counts once; a merger's result that inherited the
            # signature counts as signed, no more and no fewer than the region holds.
            assert point.reached["collaboration_signed"] == len(region), point.on
    assert series.total == 67


def test_the_dashboards_region_table_is_the_region_of_its_day(history: Engine) -> None:
    for day in (date(2016, 6, 30), date(2024, 6, 30)):
        rows = region_rows(history, today=day, waves=lambda _engine: {})
        assert {row.number for row in rows} == set(region_count.region_on(day)), day
