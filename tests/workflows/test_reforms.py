"""Municipal reforms on the time-skipping server: a merger, a split and a renumbering, through
the engine as the API drives it (onboarding/gateway/reforms.py).

Each test has a server of its own (`own_env`): they skip months ahead, past the reminders
the reform cancelled (none of them goes out) and past the ones it armed on the new
municipalities (each goes out once). The dry-run is compared with the apply party by party.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import ReformExists, RequestRejected, TransitionRefused
from onboarding.domain.obligations.models import DeadlineCommand
from onboarding.domain.process.migration_plan import TimerChange
from onboarding.domain.process.reform_plan import (
    NewMunicipality,
    PartyReformEffect,
    ReformKind,
    ReformPlan,
    ReformPreview,
    ReformRole,
)
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.gateway import parties as gateway
from onboarding.gateway import reforms
from onboarding.store import queries
from onboarding.store import reforms as reform_store
from onboarding.store.identifiers import MUNICIPALITY_NUMBER, resolve
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.parties import AuditEventRow
from tests.helpers import ACTOR, Harness

ADMIN = ACTOR.model_copy(update={"role": "admin"})
EVIDENCE = {"document_ref": "https://data.ssb.no/api/klass/v1/classifications/131/changes"}


def sent(engine: Engine, number: str) -> list[NotificationRow]:
    with Session(engine) as session:
        query = select(NotificationRow).where(NotificationRow.municipality_number == number)
        return list(session.exec(query).all())


async def today(env: WorkflowEnvironment) -> date:
    return oslo_date(await env.get_current_time())


async def deadline(h: Harness, number: str, obligation: Trigger, on: date) -> None:
    command = DeadlineCommand(
        obligation_id=obligation.value, deadline=on, reason="program plan", actor=ACTOR
    )
    await gateway.set_deadline(h.client, number, command)


def comparable(effect: PartyReformEffect) -> dict[str, object]:
    return effect.model_dump(exclude={"recorded_at", "already_applied"})


async def dry_run_then_apply(h: Harness, plan: ReformPlan) -> tuple[ReformPreview, ReformPreview]:
    dry = await reforms.dry_run(h.client, await reforms.prepare(h.client, h.engine, plan, ADMIN))
    assert dry.refused == []
    prepared = await reforms.prepare(h.client, h.engine, plan, ADMIN)
    done = await reforms.apply(h.client, h.engine, prepared, task_queue=h.task_queue)
    h.started.extend(done.new_parties)
    # What the dry-run listed is what the apply did, party by party.
    assert [comparable(e) for e in done.effects] == [comparable(e) for e in dry.effects]
    assert done.follows == dry.follows
    return dry, done


async def test_a_merger_ends_the_merged_once_and_starts_the_new_one_in_their_common_stage(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    h = own_harness
    async with h.worker():
        signed, _ = await h.start()
        opted, _ = await h.start()
        new_number = (await h.fresh_municipality()).number
        for place in (signed, opted):
            await h.move(place.number, Trigger.SIGN_COLLABORATION)
        await h.move(opted.number, Trigger.EXERCISE_OPTION)
        start = await today(own_env)
        due = start + timedelta(days=150)
        await deadline(h, signed.number, Trigger.EXERCISE_OPTION, due)
        effective_on = start - timedelta(days=0)
        plan = ReformPlan(
            id="test-merger",
            kind=ReformKind.MERGER,
            effective_on=effective_on,
            parties=[signed.number, opted.number],
            new_municipalities=[NewMunicipality(number=new_number, name="Nyby")],
            evidence=EVIDENCE,
        )
        dry, done = await dry_run_then_apply(h, plan)
        by_party = {e.party: e for e in done.effects}
        ended = by_party[signed.number]
        assert ended.role is ReformRole.ENDS and ended.to_stage is Stage.ENDED_BY_REFORM
        assert ended.obligations_cancelled == [Trigger.EXERCISE_OPTION.value]
        # Every reminder and escalation of the deadline, cancelled (six messages).
        assert [t.change for t in ended.timers] == [TimerChange.CANCELLED] * 6
        assert ended.standing is not None and [a.trigger for a in ended.standing.signed] == [
            Trigger.SIGN_COLLABORATION
        ]
        new = by_party[new_number]
        assert new.role is ReformRole.STARTS
        # The most advanced common stage: one signed, the other exercised the option.
        assert new.to_stage is Stage.COLLABORATION_SIGNED
        assert new.landing is not None and "collaboration_signed" in new.landing.explanation
        assert {(a.party, a.trigger) for a in new.landing.agreements} == {
            (signed.number, Trigger.SIGN_COLLABORATION),
            (opted.number, Trigger.SIGN_COLLABORATION),
        }
        assert [(o.id, o.deadline, o.inherited_from) for o in new.obligations_opened] == [
            (Trigger.EXERCISE_OPTION.value, due, signed.number)
        ]
        assert done.successions == [(signed.number, new_number), (opted.number, new_number)]

        # The merged cannot move any more; the new one walks on.
        with pytest.raises(TransitionRefused):
            await h.move(signed.number, Trigger.EXERCISE_OPTION)
        view = await h.state(signed.number)
        assert view.ended_by_reform == "test-merger" and view.successors == [new_number]
        assert (await h.state(new_number)).stage is Stage.COLLABORATION_SIGNED

        # Past the deadline and its escalations: the merged one sends nothing, the new one
        # sends each of its messages once.
        await own_env.sleep(timedelta(days=200))
        assert sent(h.engine, signed.number) == []
        keys = [r.message_key for r in sent(h.engine, new_number)]
        assert sorted(set(keys)) == sorted(
            [
                "reminder-60d",
                "reminder-30d",
                "reminder-7d",
                "escalation-1",
                "escalation-2",
                "escalation-3",
            ]
        )
        assert keys.count("reminder-60d") == 1

        # Applied once: a second apply is refused, naming the id.
        with pytest.raises(ReformExists):
            await reforms.prepare(h.client, h.engine, plan, ADMIN)
    with Session(h.engine) as session:
        assert [s.predecessor for s in reform_store.predecessors_of(session, new_number)] == [
            signed.number,
            opted.number,
        ]
        assert reform_store.parties_in_region_on(session, effective_on) == [new_number]
        day_before = effective_on - timedelta(days=1)
        members = reform_store.parties_in_region_on(session, day_before)
        assert signed.number in members and new_number not in members
        recorded = reform_store.reform(session, "test-merger")
        assert recorded is not None and set(recorded.effects["parties"]) == {
            signed.number,
            opted.number,
            new_number,
        }
        reform_events = session.exec(
            select(AuditEventRow).where(AuditEventRow.trigger == Trigger.REFORM.value)
        ).all()
    assert {(e.municipality_number, e.to_stage) for e in reform_events} == {
        (signed.number, Stage.ENDED_BY_REFORM.value),
        (opted.number, Stage.ENDED_BY_REFORM.value),
        (new_number, Stage.COLLABORATION_SIGNED.value),
    }
    assert dry.numbers == {"from": [signed.number, opted.number], "to": [new_number]}


async def test_a_split_arms_each_parts_inherited_obligations_once(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    h = own_harness
    async with h.worker():
        divided, _ = await h.start()
        first, second = (await h.fresh_municipality()).number, None
        h.started.append(first)
        second = str(int(first) + 1)
        for trigger in (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION):
            await h.move(divided.number, trigger)
        due = await today(own_env) + timedelta(days=120)
        await deadline(h, divided.number, Trigger.SIGN_SERVICE_AGREEMENT, due)
        plan = ReformPlan(
            id="test-split",
            kind=ReformKind.SPLIT,
            effective_on=await today(own_env),
            parties=[divided.number],
            new_municipalities=[
                NewMunicipality(number=first, name="Nordby"),
                NewMunicipality(number=second, name="Sørby"),
            ],
            evidence=EVIDENCE,
        )
        _, done = await dry_run_then_apply(h, plan)
        for part in (first, second):
            effect = next(e for e in done.effects if e.party == part)
            assert effect.to_stage is Stage.OPTION_EXERCISED
            assert [(o.id, o.deadline) for o in effect.obligations_opened] == [
                (Trigger.SIGN_SERVICE_AGREEMENT.value, due)
            ]
            assert effect.landing is not None
            assert [a.trigger for a in effect.landing.agreements] == [
                Trigger.SIGN_COLLABORATION,
                Trigger.EXERCISE_OPTION,
            ]
        await own_env.sleep(timedelta(days=100))
        assert sent(h.engine, divided.number) == []
        for part in (first, second):
            keys = [r.message_key for r in sent(h.engine, part)]
            assert keys.count("reminder-60d") == 1 and keys.count("reminder-30d") == 1
        # The parts walk on from where the divided one stood.
        await h.move(first, Trigger.START_PREPARATION)


async def test_a_renumbering_keeps_the_party_and_both_numbers_resolve(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    h = own_harness
    async with h.worker():
        place, _ = await h.start()
        await h.move(place.number, Trigger.SIGN_COLLABORATION)
        new_number = (await h.fresh_municipality()).number
        day = await today(own_env)
        plan = ReformPlan(
            id="test-renumbering",
            kind=ReformKind.RENUMBERING,
            effective_on=day,
            parties=[place.number],
            new_number=new_number,
            evidence=EVIDENCE,
        )
        _, done = await dry_run_then_apply(h, plan)
        (effect,) = done.effects
        assert (effect.number_before, effect.number_after) == (place.number, new_number)
        assert effect.timers == [] and effect.to_stage is Stage.COLLABORATION_SIGNED
        view = await h.state(place.number)
        assert view.current_number == new_number and view.stage is Stage.COLLABORATION_SIGNED
        # History reads on: the same party moves on under its new number.
        await h.move(place.number, Trigger.EXERCISE_OPTION)
        with pytest.raises(RequestRejected, match="new_number"):
            await reforms.prepare(
                h.client, h.engine, plan.model_copy(update={"id": "test-again"}), ADMIN
            )
    assert resolve(h.engine, MUNICIPALITY_NUMBER, new_number, on=day) == [place.number]
    assert resolve(h.engine, MUNICIPALITY_NUMBER, place.number, on=day) == []
    assert resolve(h.engine, MUNICIPALITY_NUMBER, place.number, on=day - timedelta(days=1)) == [
        place.number
    ]
    row = queries.get_municipality(h.engine, number=place.number)
    assert row is not None and row.current_number == new_number
