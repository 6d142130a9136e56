"""Deadlines, reminders and escalations on durable timers, over years of calendar.

Each test runs on its own time-skipping test server: the tests skip months and
years ahead, which must not move the clock under the other tests' feet. The
expected instants are worked out by hand from the Norwegian calendar (see the
comments), not computed by the code under test.
"""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from onboarding import engine as gateway
from onboarding.binaries import find_binary
from onboarding.calendar import oslo_date
from onboarding.errors import ObligationNotOpen, RequestRejected
from onboarding.models import DeadlineCommand, ObligationView
from onboarding.obligations import ObligationStatus
from onboarding.process import Trigger
from onboarding.store.obligation_tables import DeadlineChangeRow, ObligationRow
from onboarding.store.tables import NotificationRow
from onboarding.temporal import register_search_attributes
from tests.helpers import ACTOR, Harness, eventually

OSLO = ZoneInfo("Europe/Oslo")
MINUTE = timedelta(minutes=1)

# Roles each message goes to under the default policy (no contacts are set, so
# each role gets exactly one visible no_recipient row).
ROLES_PER_MESSAGE = {
    "reminder-60d": 1,
    "reminder-30d": 1,
    "reminder-7d": 1,
    "escalation-1": 2,
    "escalation-2": 1,
    "escalation-3": 2,
}


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    path = find_binary("temporal-test-server")
    assert path is not None
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(path), data_converter=pydantic_data_converter
    )
    await register_search_attributes(environment.client)
    async with environment:
        yield environment


@pytest.fixture
async def harness(
    own_env: WorkflowEnvironment, sqlite_engine: Engine, task_queue: str
) -> AsyncIterator[Harness]:
    async with Harness(own_env.client, sqlite_engine, task_queue) as h:
        yield h


def at_oslo(year: int, month: int, day: int, hour: int = 8) -> datetime:
    return datetime(year, month, day, hour, tzinfo=OSLO)


def rows(engine: Engine, number: str, message_key: str | None = None) -> list[NotificationRow]:
    with Session(engine) as session:
        query = select(NotificationRow).where(NotificationRow.municipality_number == number)
        if message_key is not None:
            query = query.where(NotificationRow.message_key == message_key)
        return list(session.exec(query).all())


async def skip_to(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    assert moment > now, f"cannot skip back to {moment} from {now}"
    await env.sleep(moment - now)


async def today(env: WorkflowEnvironment) -> date:
    return oslo_date(await env.get_current_time())


async def set_deadline(
    client: Client, number: str, obligation: Trigger, deadline: date, reason: str = "program plan"
) -> ObligationView:
    return await gateway.set_deadline(
        client,
        number,
        DeadlineCommand(
            obligation_id=obligation.value, deadline=deadline, reason=reason, actor=ACTOR
        ),
    )


async def obligation(client: Client, number: str, obligation_id: Trigger) -> ObligationView:
    views = await gateway.obligations(client, number)
    return next(v for v in views if v.id == obligation_id.value)


async def fires_at(
    env: WorkflowEnvironment, engine: Engine, number: str, key: str, moment: datetime
) -> None:
    """Nothing for `key` a minute before `moment`; its rows right after it."""
    await skip_to(env, moment - MINUTE)
    assert rows(engine, number, key) == [], f"{key} went out before {moment}"
    await env.sleep(2 * MINUTE)
    await eventually(lambda: len(rows(engine, number, key)) > 0, what=f"{key} at {moment}")
    sent = rows(engine, number, key)
    assert {r.due_at.astimezone(UTC) for r in sent} == {moment.astimezone(UTC)}
    assert len(sent) == ROLES_PER_MESSAGE[key]


async def test_reminders_and_escalations_fire_on_business_days_across_easter(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        # Easter Monday 2030-04-22 is a holiday, and so are Good Friday (19th)
        # and Maundy Thursday (18th): the deadline moves back to Wed 17 April.
        view = await set_deadline(
            harness.client, place.number, Trigger.EXERCISE_OPTION, date(2030, 4, 22)
        )
        assert view.effective_deadline == date(2030, 4, 17)
        assert [m.message_key for m in view.pending] == list(ROLES_PER_MESSAGE)

        expected = [
            # 60 days before 17 Apr is Sat 16 Feb: the Friday before.
            ("reminder-60d", at_oslo(2030, 2, 15)),
            ("reminder-30d", at_oslo(2030, 3, 18)),  # a Monday
            ("reminder-7d", at_oslo(2030, 4, 10)),  # a Wednesday, summer time by then
            ("escalation-1", at_oslo(2030, 4, 17)),  # on the deadline day
            # 10 business days after 17 Apr, skipping 18, 19, 22 Apr and 1 May.
            ("escalation-2", at_oslo(2030, 5, 7)),
            # 20 business days after, skipping 17 May as well.
            ("escalation-3", at_oslo(2030, 5, 22)),
        ]
        for key, moment in expected:
            await fires_at(own_env, harness.engine, place.number, key, moment)
            level = await obligation(harness.client, place.number, Trigger.EXERCISE_OPTION)
            assert level.escalation_level == (int(key[-1]) if key.startswith("esc") else 0)

        # Nothing more, ever: a year later every message went out exactly once.
        await own_env.sleep(timedelta(days=365))
        counts = {k: len(rows(harness.engine, place.number, k)) for k in ROLES_PER_MESSAGE}
        assert counts == ROLES_PER_MESSAGE
        final = await obligation(harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert final.pending == [] and final.escalation_level == 3


async def test_escalations_count_business_days_across_christmas(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        await set_deadline(
            harness.client, place.number, Trigger.EXERCISE_OPTION, date(2030, 12, 27)
        )
        await fires_at(own_env, harness.engine, place.number, "escalation-1", at_oslo(2030, 12, 27))
        # From Fri 27 Dec: 30, 31 Dec, (1 Jan off), 2, 3, 6, 7, 8, 9, 10, 13 Jan.
        await fires_at(own_env, harness.engine, place.number, "escalation-2", at_oslo(2031, 1, 13))


async def test_fulfilment_cancels_what_is_pending(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        await set_deadline(harness.client, place.number, Trigger.EXERCISE_OPTION, date(2030, 4, 22))
        await fires_at(own_env, harness.engine, place.number, "reminder-60d", at_oslo(2030, 2, 15))
        await harness.move(place.number, Trigger.EXERCISE_OPTION)
        done = await obligation(harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert done.status is ObligationStatus.FULFILLED and done.pending == []

        await own_env.sleep(timedelta(days=200))
        assert {r.message_key for r in rows(harness.engine, place.number)} == {"reminder-60d"}
        with Session(harness.engine) as session:
            stored = session.get(ObligationRow, (place.number, Trigger.EXERCISE_OPTION.value))
        assert stored is not None and stored.status == "fulfilled"


async def test_moving_a_deadline_rearms_and_is_recorded(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        first = await set_deadline(
            harness.client, place.number, Trigger.EXERCISE_OPTION, date(2030, 4, 22)
        )
        await fires_at(own_env, harness.engine, place.number, "reminder-60d", at_oslo(2030, 2, 15))
        # Moved to Fri 2030-09-20 (a business day): every message re-arms for it.
        moved = await set_deadline(
            harness.client,
            place.number,
            Trigger.EXERCISE_OPTION,
            date(2030, 9, 20),
            reason="council meeting moved to September",
        )
        assert moved.effective_deadline == date(2030, 9, 20)
        assert [m.message_key for m in moved.pending] == list(ROLES_PER_MESSAGE)
        assert first.pending[1].at == at_oslo(2030, 3, 18)

        # The old date's 30-day reminder (18 March) does not go out any more.
        await skip_to(own_env, at_oslo(2030, 3, 19))
        assert rows(harness.engine, place.number, "reminder-30d") == []
        # 60 days before 20 Sep is Mon 22 Jul: the new date makes it due again.
        await skip_to(own_env, at_oslo(2030, 7, 22) + MINUTE)
        await eventually(
            lambda: len(rows(harness.engine, place.number, "reminder-60d")) == 2,
            what="the 60-day reminder for the new date",
        )
        deadlines = sorted(r.deadline for r in rows(harness.engine, place.number, "reminder-60d"))
        assert deadlines == [date(2030, 4, 17), date(2030, 9, 20)]

    with Session(harness.engine) as session:
        changes = session.exec(
            select(DeadlineChangeRow).where(DeadlineChangeRow.municipality_number == place.number)
        ).all()
    assert [(c.deadline_before, c.deadline_after) for c in changes] == [
        (None, date(2030, 4, 22)),
        (date(2030, 4, 22), date(2030, 9, 20)),
    ]
    assert changes[1].reason == "council meeting moved to September"
    assert changes[1].actor_name == ACTOR.name


async def test_pause_stops_the_clock_and_resume_shifts_the_deadline(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        for trigger in (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION):
            await harness.move(place.number, trigger)
        start = await today(own_env)
        deadline = start + timedelta(days=100)
        await set_deadline(harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT, deadline)
        await harness.move(place.number, Trigger.PAUSE)
        paused = await obligation(harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT)
        assert paused.status is ObligationStatus.PAUSED and paused.pending == []

        # 50 days on hold: the 60-day reminder (due around day 40) must not go out.
        await own_env.sleep(timedelta(days=50))
        assert rows(harness.engine, place.number) == []
        await harness.move(place.number, Trigger.RESUME)
        resumed_on = await today(own_env)
        resumed = await obligation(harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT)
        assert resumed.status is ObligationStatus.OPEN
        assert resumed.deadline == deadline + (resumed_on - start)
        # The reminders now hang on the shifted date, all of them still ahead.
        assert [m.message_key for m in resumed.pending] == list(ROLES_PER_MESSAGE)
        now = await own_env.get_current_time()
        assert all(m.at > now for m in resumed.pending)


async def test_continue_as_new_keeps_pending_timers(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, handle = await harness.start(continue_as_new_after_events=60)
        first_run = (await handle.describe()).run_id
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        for day in range(20, 30):  # each move re-arms the timers and grows the history
            await set_deadline(
                harness.client, place.number, Trigger.EXERCISE_OPTION, date(2030, 4, day)
            )
        await set_deadline(harness.client, place.number, Trigger.EXERCISE_OPTION, date(2030, 4, 22))
        later_run = (await handle.describe()).run_id
        assert later_run != first_run, "the history should have continued as new"
        await fires_at(own_env, harness.engine, place.number, "reminder-60d", at_oslo(2030, 2, 15))
        await fires_at(own_env, harness.engine, place.number, "escalation-1", at_oslo(2030, 4, 17))


async def test_resignature_opens_a_window_from_the_policy(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        await harness.move(place.number, Trigger.REQUIRE_RESIGNATURE)
        opened = await obligation(harness.client, place.number, Trigger.SIGN_COLLABORATION)
        assert opened.status is ObligationStatus.OPEN
        assert opened.deadline == await today(own_env) + timedelta(days=120)
        # Re-signing fulfils it; the option obligation opens again.
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        signed = await obligation(harness.client, place.number, Trigger.SIGN_COLLABORATION)
        assert signed.status is ObligationStatus.FULFILLED


async def test_bad_deadlines_are_refused_and_change_nothing(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        now = await today(own_env)
        with pytest.raises(RequestRejected) as past:
            await set_deadline(
                harness.client, place.number, Trigger.EXERCISE_OPTION, now - timedelta(days=1)
            )
        assert past.value.field == "deadline"
        with pytest.raises(RequestRejected) as unknown:
            await gateway.set_deadline(
                harness.client,
                place.number,
                DeadlineCommand(obligation_id="bake_cake", deadline=now, reason="x", actor=ACTOR),
            )
        assert unknown.value.field == "obligation_id"
        assert "exercise_option" in unknown.value.message
        with pytest.raises(ObligationNotOpen) as closed:
            await set_deadline(harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT, now)
        assert closed.value.open_obligations == ["exercise_option"]
        untouched = await obligation(harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert untouched.deadline is None and untouched.pending == []
    with Session(harness.engine) as session:
        assert session.exec(select(DeadlineChangeRow)).all() == []
