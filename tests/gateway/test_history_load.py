"""Loading the shipped region history through the engine (gateway/region_history.py).

The 85 municipalities of 2015 are registered, every change of region-changes.csv is applied
as a reform in date order (the real apply: workflows end "merged into" and successors
start), on a time-skipping server of its own (the history's real numbers are workflow ids).
The region of each date then equals the count made straight from the CSV files, and a
second load changes nothing and says so.
"""

from datetime import date

import pytest
from sqlmodel import Session, func, select

from onboarding.domain.actor import Actor
from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.region import shipped_plan
from onboarding.domain.party import PartyKind
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.vocabulary import Stage
from onboarding.gateway.region_history import load_history
from onboarding.store import point_in_time, queries, reforms
from onboarding.store.tables.reforms import ReformRow
from tests.helpers import Harness, region_count

pytestmark = pytest.mark.timeout(900)

ADMIN = Actor(id="token:1", name="Admin", role="admin")
DAYS = [date(2016, 6, 30), date(2019, 6, 30), date(2021, 6, 30), date(2022, 6, 30)]
DAYS += [date(2024, 6, 30)]


async def test_the_history_loads_once_and_reports_count_the_region_of_each_date(
    own_harness: Harness,
) -> None:
    plan = shipped_plan()
    harness = own_harness
    harness.started.extend(
        [m.number for m in plan.first_day]
        + [m.number for m, _ in plan.joining]
        + [m.number for r in plan.reforms for m in r.new]
    )
    v1 = process_definition(MUNICIPALITY, 1)
    async with harness.worker():
        first = await load_history(
            harness.client,
            harness.engine,
            plan,
            actor=ADMIN,
            task_queue=harness.task_queue,
            through=date(2019, 12, 31),
            process=v1,
        )
        assert first.registered == 86  # the 85 of 2015, and Os, which joins in 2022
        before_2020 = [r.reform_id for r in plan.reforms if r.effective_on.year < 2020]
        assert first.reforms == before_2020  # those of 2018 and 2019, in order
        rest = await load_history(
            harness.client, harness.engine, plan, actor=ADMIN, task_queue=harness.task_queue
        )
        assert (rest.registered, rest.already) == (0, len(before_2020))
        assert rest.reforms == [r.reform_id for r in plan.reforms][len(before_2020) :]
        again = await load_history(
            harness.client, harness.engine, plan, actor=ADMIN, task_queue=harness.task_queue
        )
        assert (again.registered, again.reforms, again.already) == (0, [], len(plan.reforms))
        assert again.message.startswith("Nothing to load")
        trondheim = await harness.client.get_workflow_handle(
            "municipality-1601"
        ).describe()  # the Trondheim of 2015 ended with the merger of 2020
        assert trondheim is not None
    engine = harness.engine
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ReformRow)).one() == len(plan.reforms)
        assert reforms.number_on(session, "1601", date(2019, 6, 30)) == "5001"
        links = reforms.predecessors_of(session, "5001")
        assert {link.predecessor for link in links} == {"1601", "1662"}
    for day in DAYS:
        funnel = point_in_time.funnel(engine, as_of=day, kind=PartyKind.MUNICIPALITY)
        assert funnel.total == len(region_count.region_on(day)), day
        rows = point_in_time.stages(engine, as_of=day, kind=PartyKind.MUNICIPALITY)
        assert {r.number: r.municipality_number for r in rows.municipalities} == (
            region_count.region_on(day)
        ), day
    ended = point_in_time.stages(engine, as_of=date(2024, 6, 30), kind=None)
    assert all(r.stage is not Stage.ENDED_BY_REFORM for r in ended.municipalities)


async def test_the_history_refuses_a_region_it_does_not_explain(harness: Harness) -> None:
    """On a read model with other municipalities (the region of 2024, say), the load
    refuses before registering anything: their numbers would collide with the reforms'."""
    async with harness.worker():
        stranger, _ = await harness.start()
        with pytest.raises(RequestRejected) as refused:
            await load_history(
                harness.client,
                harness.engine,
                shipped_plan(),
                actor=ADMIN,
                task_queue=harness.task_queue,
            )
    assert refused.value.field == "region"
    assert stranger.number in refused.value.message
    assert queries.get_municipality(harness.engine, number="1601") is None
