"""Production waves on the real Temporal test server: dates, members, checklists, go-live.

Tests that skip months run on a time-skipping server of their own (`own_env`,
`own_harness` in tests/conftest.py); the others share the module's server
and never skip time. Dates lie ahead of the server's clock, derived from it
(tests/helpers/dates.py), never named by year; expected instants follow from the
calendar rule in the comments (tests/helpers/dates.py's small oracle), not from the
code under test.
"""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from onboarding.domain.calendar import oslo_date
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.errors import (
    NotEligible,
    RequestRejected,
    TransitionRefused,
    UnknownWave,
    WaveRefused,
)
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.models import (
    DecisionCommand,
    GoLiveOutcome,
    JoinWaveCommand,
    MembershipResult,
    MemberStatus,
    RemoveMemberCommand,
    WaveStatus,
)
from onboarding.gateway import waves as wave_engine
from onboarding.store import waves as wave_store
from onboarding.store.tables.notifications import NotificationRow
from tests.helpers import ACTOR, Harness, eventually
from tests.helpers.dates import (
    at,
    business_day_on_or_before,
    friday_ahead,
    is_business_day,
    oslo_day,
)
from tests.helpers.servers import skip_to
from tests.helpers.waves import (
    ITEMS,
    TO_AGREEMENT,
    TO_OPTION,
    add,
    approve_wave,
    check_items,
    create_wave,
    cutover,
    days,
    oslo,
    reschedule,
)
from workflows.names import party_workflow_id

MINUTE = timedelta(minutes=1)
SUNDAY = 6


async def member(harness: Harness, *triggers: Trigger) -> str:
    """A municipality with the readiness guard on, moved along `triggers`."""
    municipality, _ = await harness.start(readiness_guard=True)
    for trigger in triggers:
        await harness.move(municipality.number, trigger)
    return municipality.number


def outbox(engine: Engine, number: str, key: str | None = None) -> list[NotificationRow]:
    with Session(engine) as session:
        query = select(NotificationRow).where(NotificationRow.municipality_number == number)
        if key is not None:
            query = query.where(NotificationRow.message_key == key)
        return list(session.exec(query).all())


async def deadlines(harness: Harness, number: str) -> dict[str, date | None]:
    checklist = await wave_engine.checklist(harness.client, number)
    return {item.id: item.deadline for item in checklist.items}


# -- dates move, and everything hanging on them ---------------------------------------


async def test_a_wave_rescheduled_twice_moves_every_member_timer(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        now = await own_env.get_current_time()
        today = oslo_day(now)
        # A first go-live whose T-120 deadline has its 60-day reminder on a Sunday:
        # it goes out on the business day before, at 08:00.
        first_date = friday_ahead(today, days=210, where=reminder_60d_on_a_sunday)
        third_date = friday_ahead(first_date, days=280, where=reminder_60d_on_a_sunday)
        second_date = friday_ahead(first_date, days=120)
        first, second = [
            await member(own_harness, *TO_OPTION, Trigger.START_PREPARATION) for _ in "ab"
        ]
        wave = await create_wave(own_harness, at(first_date), now=now)
        for number in (first, second):
            await add(own_harness, wave.id, number)
        first_t120 = first_date - days(120)
        assert (await deadlines(own_harness, first))["technical_infrastructure"] == first_t120
        first_sent = at(business_day_on_or_before(first_t120 - days(60)), 8)
        assert first_sent.weekday() < 5 and first_sent.date() < first_t120 - days(60)
        await skip_to(own_env, first_sent + MINUTE)
        for number in (first, second):
            await eventually(
                lambda n=number: len(outbox(own_harness.engine, n, "reminder-60d")) == 2,
                what="the 60-day reminders of the first date",
            )
            assert {(r.obligation_id, r.deadline) for r in outbox(own_harness.engine, number)} == {
                ("technical_infrastructure", first_t120),
                ("sign_service_agreement", first_t120),  # T-120 too
            }

        await reschedule(own_harness, wave.id, at(second_date), "hospital cutover moved")
        assert (await deadlines(own_harness, first))[
            "technical_infrastructure"
        ] == second_date - days(120)
        view = await reschedule(own_harness, wave.id, at(third_date), "moved again by the boards")
        assert [d.go_live_at for d in view.dates] == [
            at(first_date),
            at(second_date),
            at(third_date),
        ]
        for number in (first, second):
            # The third date minus 120, 90, 75, 60, 30 and 7 days.
            assert await deadlines(own_harness, number) == {
                "technical_infrastructure": third_date - days(120),
                "integrations_tested": third_date - days(90),
                "super_users_trained": third_date - days(75),
                "end_user_training_started": third_date - days(60),
                "data_migration_rehearsed": third_date - days(30),
                "go_no_go_meeting": third_date - days(7),
            }
        # The new T-120's 60-day reminder falls on a Sunday too and goes out the
        # business day before. Nothing of the two earlier dates goes out before it.
        third_t120 = third_date - days(120)
        third_sent = at(business_day_on_or_before(third_t120 - days(60)), 8)
        await skip_to(own_env, third_sent - MINUTE)
        for number in (first, second):
            assert len(outbox(own_harness.engine, number)) == 2  # still only the first date's
        await own_env.sleep(2 * MINUTE)
        for number in (first, second):
            await eventually(
                lambda n=number: len(outbox(own_harness.engine, n)) == 4,
                what="the 60-day reminders of the third date",
            )
            new = [r for r in outbox(own_harness.engine, number) if r.deadline == third_t120]
            assert {(r.obligation_id, r.message_key) for r in new} == {
                ("technical_infrastructure", "reminder-60d"),
                ("sign_service_agreement", "reminder-60d"),
            }
            assert {r.due_at.astimezone(UTC) for r in new} == {third_sent.astimezone(UTC)}
        events = wave_store.wave_events(own_harness.engine, wave_id=wave.id)
        assert [e.kind for e in events] == [
            "created",
            "member_added",
            "member_added",
            "rescheduled",
            "rescheduled",
        ]
        assert events[-1].previous_go_live_at == at(second_date)
        assert events[-1].reason == "moved again by the boards"


def reminder_60d_on_a_sunday(go_live: date) -> bool:
    """T-120's 60-day reminder falls on a Sunday and the Friday before is a business day."""
    reminder = go_live - days(120 + 60)
    return reminder.weekday() == SUNDAY and is_business_day(reminder - days(2))


# -- go-live ---------------------------------------------------------------------------


async def test_only_ready_members_go_live_and_the_not_ready_one_escalates(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        now = await own_env.get_current_time()
        go_live_at = cutover(now, 14)
        wave = await create_wave(
            own_harness, go_live_at, now=now, health_trust="St. Olavs hospital HF"
        )
        ready = await member(own_harness, *TO_AGREEMENT)
        late = await member(own_harness, *TO_OPTION, Trigger.START_PREPARATION)
        for number in (ready, late):
            await add(own_harness, wave.id, number)
        await check_items(own_harness, ready)
        await own_harness.move(ready, Trigger.APPROVE_GO_LIVE)
        await check_items(own_harness, late, ["technical_infrastructure", "integrations_tested"])

        await skip_to(own_env, go_live_at - MINUTE)
        assert (await own_harness.state(ready)).stage is Stage.READY
        await own_env.sleep(2 * MINUTE)
        await eventually(
            lambda: wave_store.list_waves(own_harness.engine)[0].status is WaveStatus.LIVE,
            what="the wave to go live",
        )
        went = await own_harness.state(ready)
        assert went.stage is Stage.LIVE
        assert went.last_transition is not None
        assert went.last_transition.effective_on == go_live_at.date()
        assert went.last_transition.actor.id == f"wave:{wave.id}"
        assert went.last_transition.actor.role == "system"

        left = await own_harness.state(late)
        assert left.stage is Stage.PREPARING  # untouched
        assert left.missed_go_live == wave.id
        view = await wave_engine.wave(own_harness.client, wave.id)
        assert view.status is WaveStatus.LIVE
        assert {m.number: m.status for m in view.members} == {
            ready: MemberStatus.LIVE,
            late: MemberStatus.MISSED_GO_LIVE,
        }
        # Escalated to the program (level 3: program director and council; no
        # contacts are set, so one visible no_recipient row per role).
        escalation = outbox(own_harness.engine, late, f"missed-go-live-{wave.id}")
        assert {(r.level, r.recipient_role) for r in escalation} == {
            (3, "program_director"),
            (3, "council"),
        }
        assert outbox(own_harness.engine, ready, f"missed-go-live-{wave.id}") == []
        blockers = wave_store.blockers_of(
            own_harness.engine, wave_ids=[wave.id], checklist=ITEMS, as_of=go_live_at.date()
        )[0]
        assert blockers.missed_go_live == [late]
        behind = next(m for m in blockers.members if m.number == late)
        assert behind.checklist_done == 2
        assert "missed go-live: move it to another wave" in behind.missing
        assert "service agreement not signed" in behind.missing
        kinds = [e.kind for e in wave_store.wave_events(own_harness.engine, wave_id=wave.id)]
        assert kinds[-3:] == ["member_went_live", "member_missed_go_live", "went_live"] or kinds[
            -3:
        ] == ["member_missed_go_live", "member_went_live", "went_live"]

        # Moved to a later wave, it no longer shows as missed.
        later = await create_wave(
            own_harness, cutover(now, 200), now=await own_env.get_current_time()
        )
        await add(own_harness, later.id, late, reason="not ready in time")
        assert (await own_harness.state(late)).missed_go_live is None


async def test_postponing_a_member_carries_its_checklist(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        now = await own_env.get_current_time()
        spring_date = friday_ahead(oslo_day(now), days=150)
        autumn_date = friday_ahead(spring_date, days=180)
        spring = await create_wave(own_harness, at(spring_date), now=now)
        autumn = await create_wave(own_harness, at(autumn_date), now=now)
        number = await member(own_harness, *TO_OPTION, Trigger.START_PREPARATION)
        await add(own_harness, spring.id, number)
        await check_items(own_harness, number, ["technical_infrastructure"], done_on=oslo_date(now))
        with pytest.raises(RequestRejected) as refused:
            await add(own_harness, autumn.id, number)
        assert refused.value.field == "reason"

        moved = await add(
            own_harness, autumn.id, number, reason="Kristiansund postponed half a year"
        )
        assert [m.number for m in moved.members] == [number]
        await eventually_async(
            lambda: wave_engine.wave(own_harness.client, spring.id), lambda v: v.members == []
        )
        checklist = await wave_engine.checklist(own_harness.client, number)
        assert checklist.wave_id == autumn.id
        items = {item.id: item for item in checklist.items}
        done = items["technical_infrastructure"]
        assert done.status is ObligationStatus.FULFILLED
        assert done.done is not None and done.done.done_on == oslo_date(now)
        assert done.done.evidence == {"document_ref": "technical_infrastructure-ok"}
        # The open ones hang on the new date: minus 90 and 7 days.
        assert items["integrations_tested"].deadline == autumn_date - days(90)
        assert items["go_no_go_meeting"].deadline == autumn_date - days(7)
        assert items["integrations_tested"].status is ObligationStatus.OPEN
        out = wave_store.wave_events(own_harness.engine, wave_id=spring.id)[-1]
        into = wave_store.wave_events(own_harness.engine, wave_id=autumn.id)[-1]
        assert (out.kind, out.number, out.other_wave) == ("member_moved_out", number, autumn.id)
        assert (into.kind, into.other_wave, into.reason) == (
            "member_moved_in",
            spring.id,
            "Kristiansund postponed half a year",
        )
        assert [m.number for m in wave_store.wave_members(own_harness.engine)] == [number]

        # The autumn wave's call repeated, as after an answer lost to a continue-as-new:
        # the municipality answers it was a move, as the first time.
        handle = own_harness.client.get_workflow_handle(party_workflow_id(number))
        join = JoinWaveCommand(wave_id=autumn.id, go_live_at=at(autumn_date), actor=ACTOR)
        again = await handle.execute_update("join_wave", join, result_type=MembershipResult)
        assert (again.member, again.previous_wave) == (True, spring.id)


async def eventually_async(fetch, predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await fetch()
        if predicate(value):
            return value
        assert asyncio.get_running_loop().time() < deadline, f"never true: {value}"
        await asyncio.sleep(0.05)


async def test_two_coordinators_moving_one_municipality_leave_it_in_one_wave(
    harness: Harness,
) -> None:
    async with harness.worker():
        now = datetime.now(UTC)
        friday = friday_ahead(oslo_day(now), days=365)
        home, there, elsewhere = [
            await create_wave(harness, at(friday + days(i)), now=now) for i in range(3)
        ]
        number = await member(harness, *TO_OPTION)
        await add(harness, home.id, number)
        await asyncio.gather(
            add(harness, there.id, number, reason="coordinator one"),
            add(harness, elsewhere.id, number, reason="coordinator two"),
        )
        final = (await harness.state(number)).wave_id
        assert final in (there.id, elsewhere.id)

        async def holders() -> list[str]:
            views = [await wave_engine.wave(harness.client, w.id) for w in (home, there, elsewhere)]
            return [v.id for v in views if any(m.number == number for m in v.members)]

        await eventually_async(holders, lambda held: held == [final])
        await eventually(
            lambda: [m.number for m in wave_store.wave_members(harness.engine)] == [number],
            what="one membership row",
        )


# -- the guard, and refusals ---------------------------------------------------------


async def test_approve_go_live_lists_the_missing_conditions(harness: Harness) -> None:
    async with harness.worker():
        now = datetime.now(UTC)
        number = await member(harness, *TO_OPTION)
        with pytest.raises(TransitionRefused) as refused:
            await harness.move(number, Trigger.APPROVE_GO_LIVE)
        assert refused.value.missing_conditions == [
            "service agreement not signed",
            "not a member of a production wave",
            *(f"checklist item {item} not done" for item in ITEMS),
        ]
        await harness.move(number, Trigger.SIGN_SERVICE_AGREEMENT)
        wave = await create_wave(harness, at(friday_ahead(oslo_day(now), days=365)), now=now)
        await add(harness, wave.id, number)
        await check_items(harness, number, ITEMS[:-1])
        with pytest.raises(TransitionRefused) as refused:
            await harness.move(number, Trigger.APPROVE_GO_LIVE)
        assert refused.value.missing_conditions == ["checklist item go_no_go_meeting not done"]
        assert Trigger.APPROVE_GO_LIVE not in (await harness.state(number)).allowed_triggers
        await check_items(harness, number, ["go_no_go_meeting"])
        assert (await harness.move(number, Trigger.APPROVE_GO_LIVE)).stage is Stage.READY


async def test_bad_requests_are_refused_naming_the_field(harness: Harness) -> None:
    async with harness.worker():
        now = datetime.now(UTC)
        with pytest.raises(RequestRejected) as past:
            await create_wave(harness, oslo(2022, 5, 7), now=now)
        assert past.value.field == "go_live_at"
        go_live_at = at(friday_ahead(oslo_day(now), days=365))
        wave = await create_wave(harness, go_live_at, now=now)
        with pytest.raises(WaveRefused):
            await create_wave(harness, go_live_at, now=now, wave_id=wave.id)
        with pytest.raises(UnknownWave):
            await wave_engine.wave(harness.client, "no-such-wave")
        early = await member(harness, Trigger.SIGN_COLLABORATION)
        with pytest.raises(NotEligible) as stage:
            await add(harness, wave.id, early)
        assert stage.value.stage == "collaboration_signed" and "preparing" in stage.value.eligible
        with pytest.raises(RequestRejected) as when:
            await reschedule(harness, wave.id, oslo(2023, 1, 6), "back in time")
        assert when.value.field == "go_live_at"
        with pytest.raises(RequestRejected) as nobody:
            await wave_engine.remove_member(
                harness.client, wave.id, RemoveMemberCommand(number=early, actor=ACTOR)
            )
        assert nobody.value.field == "number"
        number = await member(harness, *TO_OPTION)
        with pytest.raises(RequestRejected) as no_wave:
            await check_items(harness, number, ["go_no_go_meeting"])
        assert no_wave.value.field == "item"
        await add(harness, wave.id, number)
        with pytest.raises(RequestRejected) as unknown:
            await check_items(harness, number, ["coffee_machine"])
        assert unknown.value.field == "item"
        future = oslo_date(now) + timedelta(days=3)
        with pytest.raises(RequestRejected) as ahead:
            await check_items(harness, number, ["go_no_go_meeting"], done_on=future)
        assert ahead.value.field == "done_on"
        yesterday = oslo_date(now) - timedelta(days=1)
        await check_items(harness, number, ["go_no_go_meeting"], done_on=yesterday)
        await check_items(harness, number, ["go_no_go_meeting"])  # a repeat changes nothing
        with pytest.raises(RequestRejected) as rewrite:
            await check_items(harness, number, ["go_no_go_meeting"], done_on=oslo_date(now))
        assert rewrite.value.field == "done_on" and "never rewritten" in rewrite.value.message
        checklist = await wave_engine.checklist(harness.client, number)
        [meeting] = [i for i in checklist.items if i.id == "go_no_go_meeting"]
        assert meeting.done is not None and meeting.done.done_on == yesterday
        with pytest.raises(RequestRejected) as postpone:
            await wave_engine.decide(
                harness.client,
                wave.id,
                DecisionCommand(decision="postpone", reason="not ready", actor=ACTOR),  # type: ignore[arg-type]
            )
        assert postpone.value.field == "go_live_at"
        with pytest.raises(WaveRefused):
            await wave_engine.decide(
                harness.client,
                wave.id,
                DecisionCommand(decision="close", actor=ACTOR),  # type: ignore[arg-type]
            )


async def test_removing_and_declining_leave_the_wave(harness: Harness) -> None:
    async with harness.worker():
        now = datetime.now(UTC)
        wave = await create_wave(harness, at(friday_ahead(oslo_day(now), days=365)), now=now)
        removed = await member(harness, *TO_OPTION)
        declining = await member(harness, *TO_OPTION)
        for number in (removed, declining):
            await add(harness, wave.id, number)
        await check_items(harness, removed, ["technical_infrastructure"])
        view = await wave_engine.remove_member(
            harness.client,
            wave.id,
            RemoveMemberCommand(number=removed, reason="council asked", actor=ACTOR),
        )
        assert [m.number for m in view.members] == [declining]
        checklist = await wave_engine.checklist(harness.client, removed)
        statuses = {i.id: i.status for i in checklist.items}
        assert statuses["technical_infrastructure"] is ObligationStatus.FULFILLED
        assert statuses["go_no_go_meeting"] is ObligationStatus.CANCELLED
        assert checklist.wave_id is None

        await harness.move(declining, Trigger.DECLINE)
        await eventually_async(
            lambda: wave_engine.wave(harness.client, wave.id), lambda v: v.members == []
        )
        # The wave drops the member, then records the event through an activity:
        # a query can see the first before the read model has the second.

        def kinds() -> list[str]:
            return [e.kind for e in wave_store.wave_events(harness.engine, wave_id=wave.id)]

        await eventually(lambda: "member_moved_out" in kinds(), what="member_moved_out recorded")
        assert kinds()[-2:] == ["member_removed", "member_moved_out"]


async def test_postponing_the_wave_is_a_recorded_decision(harness: Harness) -> None:
    async with harness.worker():
        now = datetime.now(UTC)
        first_date = friday_ahead(oslo_day(now), days=365)
        later_date = friday_ahead(first_date, days=180)
        wave = await create_wave(harness, at(first_date), now=now)
        approved = await approve_wave(harness, wave.id)
        assert approved.status is WaveStatus.FROZEN
        with pytest.raises(WaveRefused):
            await approve_wave(harness, wave.id)  # recorded once, not twice
        postponed = await wave_engine.decide(
            harness.client,
            wave.id,
            DecisionCommand(
                decision="postpone",  # type: ignore[arg-type]
                go_live_at=at(later_date),
                reason="integrations not tested",
                evidence={"document_ref": "go-no-go-minutes"},
                actor=ACTOR,
            ),
        )
        assert postponed.status is WaveStatus.PLANNED
        assert postponed.go_live_at == at(later_date)
        assert [d.decision for d in postponed.decisions] == ["approve", "postpone"]
        assert postponed.decisions[-1].evidence == {"document_ref": "go-no-go-minutes"}
        kinds = [e.kind for e in wave_store.wave_events(harness.engine, wave_id=wave.id)]
        assert kinds == ["created", "decision", "decision", "rescheduled"]


# -- a wave of thirty -------------------------------------------------------------------


async def test_thirty_members_go_live_together(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        now = await own_env.get_current_time()
        go_live_at = cutover(now, 30)
        wave = await create_wave(own_harness, go_live_at, now=now)
        numbers = []
        # One member at a time: while its checklist is open it has timers, and
        # the time-skipping server copes with few timer workflows at once.
        for _ in range(30):
            number = await member(own_harness, *TO_AGREEMENT)
            await add(own_harness, wave.id, number)
            await check_items(own_harness, number)
            await own_harness.move(number, Trigger.APPROVE_GO_LIVE)
            numbers.append(number)
        await skip_to(own_env, go_live_at + MINUTE)
        await eventually(
            lambda: wave_store.list_waves(own_harness.engine)[0].status is WaveStatus.LIVE,
            what="the wave to go live",
            timeout=60,
        )
        views = [await own_harness.state(n) for n in numbers]
        assert {v.stage for v in views} == {Stage.LIVE}
        assert {v.last_transition.effective_on for v in views if v.last_transition} == {
            go_live_at.date()
        }
        members = wave_store.wave_members(own_harness.engine, wave_id=wave.id)
        assert len(members) == 30
        assert {m.status for m in members} == {MemberStatus.LIVE}


def test_go_live_outcomes_are_the_contract() -> None:
    assert [o.value for o in GoLiveOutcome] == ["live", "not_ready", "not_member"]
    assert [i.value for i in ChecklistItemId] == ITEMS


async def test_a_long_lived_wave_continues_as_new_and_keeps_everything(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        now = await own_env.get_current_time()
        go_live_at = cutover(now, 40)
        wave = await create_wave(
            own_harness, go_live_at + days(300), now=now, continue_as_new_after_events=50
        )
        numbers = []
        for _ in range(4):
            number = await member(own_harness, *TO_AGREEMENT)
            await add(own_harness, wave.id, number)
            await check_items(own_harness, number)
            await own_harness.move(number, Trigger.APPROVE_GO_LIVE)
            numbers.append(number)
        await reschedule(own_harness, wave.id, go_live_at + days(200), "first move")
        await reschedule(own_harness, wave.id, go_live_at, "second move")
        handle = own_harness.client.get_workflow_handle(f"wave-{wave.id}")
        described = await handle.describe()
        first_run = described.raw_description.workflow_execution_info.first_run_id
        assert described.run_id != first_run, "the wave continued as new"
        view = await wave_engine.wave(own_harness.client, wave.id)
        assert sorted(m.number for m in view.members) == sorted(numbers)
        assert len(view.dates) == 3
        await skip_to(own_env, go_live_at + MINUTE)
        await eventually(
            lambda: wave_store.list_waves(own_harness.engine)[0].status is WaveStatus.LIVE,
            what="the wave to go live after continuing as new",
        )
        assert {(await own_harness.state(n)).stage for n in numbers} == {Stage.LIVE}
        seqs = [e.seq for e in wave_store.wave_events(own_harness.engine, wave_id=wave.id)]
        assert seqs == list(range(1, len(seqs) + 1)), "one history across runs"


async def test_after_the_fact_go_live_takes_only_what_could_go_live_then(harness: Harness) -> None:
    async with harness.worker():
        wave = await create_wave(
            harness, oslo(2024, 4, 27, 6), now=datetime.now(UTC), after_the_fact=True
        )
        on_time, approved_late, preparing = [await member(harness) for _ in range(3)]
        for number in (on_time, approved_late, preparing):
            await harness.move(number, Trigger.SIGN_COLLABORATION, effective_on=date(2017, 6, 1))
            await harness.move(number, Trigger.EXERCISE_OPTION, effective_on=date(2023, 1, 10))
            await add(harness, wave.id, number)
            await check_items(harness, number, done_on=date(2024, 1, 15))
        for number, approved_on in (
            (on_time, date(2024, 4, 20)),
            (approved_late, date(2024, 5, 2)),
        ):
            await harness.move(
                number, Trigger.SIGN_SERVICE_AGREEMENT, effective_on=date(2023, 9, 1)
            )
            await harness.move(number, Trigger.APPROVE_GO_LIVE, effective_on=approved_on)
        view = await approve_wave(harness, wave.id)
        assert {m.number: m.status for m in view.members} == {
            on_time: MemberStatus.LIVE,
            approved_late: MemberStatus.MISSED_GO_LIVE,
            preparing: MemberStatus.MISSED_GO_LIVE,
        }
        went = await harness.state(on_time)
        assert went.last_transition is not None
        assert went.last_transition.effective_on == date(2024, 4, 27)
        assert (await harness.state(approved_late)).stage is Stage.READY
        missed = {
            e.number: e.reason
            for e in wave_store.wave_events(harness.engine, wave_id=wave.id)
            if e.kind == "member_missed_go_live"
        }
        assert "2024-04-27 is before 2024-05-02" in (missed[approved_late] or "")
        assert "service agreement not signed" in (missed[preparing] or "")
        # Recorded years later: nobody is escalated to about it now.
        for number in (approved_late, preparing):
            assert outbox(harness.engine, number, f"missed-go-live-{wave.id}") == []
