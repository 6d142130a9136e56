"""Loading the region's history: the municipalities of its first day, then every reform in order.

The shipped history (docs/region-history.md) as parties (`HistoryPlan`):
first the municipalities of the catchment area on 2015-01-01 are registered
with their numbers of then, with those that join it later (each in the area
from its joining: a `party_region_period` written before it registers); then
every change of region-changes.csv is recorded as a reform through the
engine's apply (gateway/reforms.py), in date order, so workflows end and
start as any reform's do. `through` stops after the reforms of that day, and a
later load carries on from there (the demo records its facts between them).

Idempotent: a party already registered is kept, and a reform already
recorded (its id is in the `reform` log) is skipped, so a second load
changes nothing and says so.
"""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from onboarding.domain.actor import Actor
from onboarding.domain.calendar import OSLO
from onboarding.domain.errors import RequestRejected
from onboarding.domain.party import PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.reform_plan import NewMunicipality, ReformPlan, StageRule
from onboarding.domain.region_history.models import ChangeKind
from onboarding.domain.region_history.parties import HistoryPlan, HistoryReform
from onboarding.gateway import reforms
from onboarding.gateway.parties import EngineUnavailable, start_parties
from onboarding.store import queries, tokens
from onboarding.store import reforms as reform_store
from onboarding.store.database import session_scope
from onboarding.store.tables.parties import MunicipalityRow


class HistoryNotRegistered(EngineUnavailable):
    """The workflows of the history's municipalities did not register in time (HTTP 503)."""

    code = "history_not_registered"


class HistoryLoaded(BaseModel):
    """What a load of the region's history did."""

    through: date | None = Field(description="the last day whose reforms were loaded (None: all)")
    registered: int = Field(description="municipalities registered by this load")
    reforms: list[str] = Field(description="the ids of the reforms this load recorded, in order")
    already: int = Field(description="reforms recorded before (left as they are)")
    message: str


async def load_history(
    client: Client,
    engine: Engine,
    plan: HistoryPlan,
    *,
    actor: Actor,
    task_queue: str,
    through: date | None = None,
    stage_rule: StageRule = StageRule.MOST_ADVANCED_COMMON,
    process: ProcessDefinition | None = None,
    policy: ReminderPolicy | None = None,
    continue_as_new_after_events: int = 2_000,
    timeout: float = 120.0,
    concurrency: int = 8,
    backdated: bool = False,
) -> HistoryLoaded:
    """Register the history's first day and record its reforms up to `through`, in order.

    New municipalities run `process` (default: the newest). A merger's new
    municipality starts where `stage_rule` puts it among its predecessors.
    Reforms of one day that share no party and no number go `concurrency` at a
    time (`_batches`); every other reform waits for the ones before it.
    `backdated` (the demo loader's token only): each reform is recorded at 07:00
    Europe/Oslo on the day it took effect (`reform_recorded_at`), marked as
    backdated.
    """
    first = [*plan.first_day, *(m for m, _ in plan.joining)]
    numbers = [m.number for m in first]
    await asyncio.to_thread(_check_fits, engine, plan)
    known = {row.number for row in await asyncio.to_thread(_rows, engine, numbers)}
    await asyncio.to_thread(_joining_periods, engine, plan)
    await start_parties(
        client,
        [m for m in first if m.number not in known],
        task_queue=task_queue,
        continue_as_new_after_events=continue_as_new_after_events,
        policy=policy,
        process=process,
    )
    await _registered(engine, numbers, timeout=timeout)
    due = [r for r in plan.reforms if through is None or r.effective_on <= through]
    done = await asyncio.gather(*(asyncio.to_thread(_recorded, engine, r.reform_id) for r in due))
    already = sum(done)
    gate = asyncio.Semaphore(concurrency)

    async def record(reform: HistoryReform) -> None:
        async with gate:
            plan = reform_plan(reform, stage_rule)
            if backdated:
                plan.recorded_at = reform_recorded_at(reform.effective_on)
            prepared = await reforms.prepare(client, engine, plan, actor, policy=policy)
            await reforms.apply(
                client,
                engine,
                prepared,
                task_queue=task_queue,
                continue_as_new_after_events=continue_as_new_after_events,
                policy=policy,
            )

    todo = [r for r, was in zip(due, done, strict=True) if not was]
    scoped = await asyncio.to_thread(_scoped_parties, engine)
    for batch in _batches(todo, alone=lambda r: bool(scoped & _touches(r))):
        await asyncio.gather(*(record(reform) for reform in batch))
    recorded = [r.reform_id for r in todo]
    registered = len(numbers) - len(known)
    if registered or recorded:
        message = (
            f"Registered {registered} municipalities and recorded {len(recorded)} reforms "
            f"({already} recorded before)."
        )
    else:
        message = f"Nothing to load: the history is loaded ({already} reforms recorded before)."
    return HistoryLoaded(
        through=through, registered=registered, reforms=recorded, already=already, message=message
    )


def _batches(
    todo: list[HistoryReform], *, alone: Callable[[HistoryReform], bool] = lambda _: False
) -> list[list[HistoryReform]]:
    """The reforms in order, in batches that may be applied side by side: a run of reforms
    of one day that share no party and no number (the 46 renumberings of 2018-01-01, the
    mergers of 2020-01-01) is one batch. A reform that shares one with the batch before it
    (a split into the new municipalities of that day's mergers) starts the next batch, after
    it; so does one that must go `alone`, and the reform after it."""
    batches: list[list[HistoryReform]] = []
    touched: set[str] = set()
    for reform in todo:
        last = batches[-1] if batches else []
        mine = _touches(reform)
        if (
            last
            and last[0].effective_on == reform.effective_on
            and not mine & touched
            and not alone(reform)
            and not alone(last[0])
        ):
            last.append(reform)
            touched |= mine
        else:
            batches.append([reform])
            touched = set(mine)
    return batches


def _touches(reform: HistoryReform) -> frozenset[str]:
    """The parties and numbers a reform changes, on either side (a GP office follows its
    municipality, so it is one of these parties' too)."""
    change = reform.change
    return frozenset(
        [*change.from_numbers, *change.to_numbers, *reform.from_parties, *reform.to_parties]
    )


def _scoped_parties(engine: Engine) -> frozenset[str]:
    """Every party a token's scope names: a reform of one of them extends that scope (read,
    then written), so it goes alone rather than beside another reform of the same token."""
    return frozenset(
        party for token in tokens.list_tokens(engine) for party in tokens.scope_of(token)
    )


# A backdated reform counts as recorded early on the morning it took effect: before any
# fact of that day, after every fact of the day before (the demo's, demo/recording_times.py).
REFORM_RECORDED_AT = clock_time(7)


def reform_recorded_at(day: date) -> datetime:
    """When a backdated reform of `day` counts as recorded (never after now)."""
    return min(datetime.combine(day, REFORM_RECORDED_AT, tzinfo=OSLO), datetime.now(UTC))


def reform_plan(reform: HistoryReform, stage_rule: StageRule) -> ReformPlan:
    """The change as the engine records a reform (gateway/reforms.py): its parties by kind."""
    kind = reform.kind
    new = [
        NewMunicipality(number=m.number, name=m.name, county=m.county, health_trust=m.health_trust)
        for m in reform.new
    ]
    parties: list[str] = list(reform.from_parties)
    fields: dict[str, object] = {}
    if kind is ChangeKind.RENUMBERING:
        fields["new_number"] = reform.change.to_numbers[0]
    elif kind is ChangeKind.MERGER:
        fields["new_municipalities"] = new
    elif kind is ChangeKind.SPLIT:
        made = {m.number for m in new}
        fields["new_municipalities"] = new
        fields["existing_parts"] = [p for p in reform.to_parties if p not in made]
    elif kind is ChangeKind.BOUNDARY_TRANSFER:
        parties = [*reform.from_parties, *reform.to_parties]
    else:  # joined, left: the one party
        parties = list(reform.to_parties or reform.from_parties)
    return ReformPlan.model_validate(
        {
            "id": reform.reform_id,
            "kind": kind,
            "effective_on": reform.effective_on,
            "parties": parties,
            "stage_rule": stage_rule,
            "evidence": reform.evidence(),
            **fields,
        }
    )


def _check_fits(engine: Engine, plan: HistoryPlan) -> None:
    """Refuse, before anything is registered, a read model whose municipalities the history
    does not explain: one registered as of today (the region of 2024, `onboarding up`
    without --demo) would collide with the numbers the reforms give."""
    with Session(engine) as session:
        recorded = {r.reform_id for r in reform_store.reforms(session)}
    ours = {m.number for m in plan.first_day} | {m.number for m, _ in plan.joining}
    ours |= {m.number for r in plan.reforms if r.reform_id in recorded for m in r.new}
    strangers = sorted(
        row.number
        for row in queries.list_parties(engine, kind=PartyKind.MUNICIPALITY)
        if row.number not in ours
    )
    if strangers:
        shown = ", ".join(strangers[:5]) + (" ..." if len(strangers) > 5 else "")
        raise RequestRejected(
            "region",
            f"{len(strangers)} registered municipalities are not the history's ({shown}): "
            "it loads on a read model that holds no other municipalities (a new database, "
            "or onboarding up --demo on a fresh data dir)",
        )


def _rows(engine: Engine, numbers: list[str]) -> list[MunicipalityRow]:
    return list(queries.list_parties(engine, numbers=numbers))


def _joining_periods(engine: Engine, plan: HistoryPlan) -> None:
    """A municipality that joins later is in the area from then on, not before (no rows would
    put it there on every date)."""
    with session_scope(engine) as session:
        for party, joins in plan.joining:
            reform_store.add_region_period(session, party.number, joins)


def _recorded(engine: Engine, reform_id: str) -> bool:
    with Session(engine) as session:
        return reform_store.reform(session, reform_id) is not None


async def _registered(engine: Engine, numbers: list[str], *, timeout: float) -> None:
    """Wait until every workflow has registered its read-model row."""
    deadline = time.monotonic() + timeout
    while len(await asyncio.to_thread(_rows, engine, numbers)) < len(numbers):
        if time.monotonic() > deadline:
            raise HistoryNotRegistered(
                f"the worker did not register the history's {len(numbers)} municipalities "
                f"in {timeout:.0f} s"
            )
        await asyncio.sleep(0.2)
