"""Deadlines, reminders and escalations on durable timers, over years of calendar.

Each test runs on its own time-skipping test server: the tests skip months and
years ahead, which must not move the clock under the other tests' feet. No test
names a year: its dates are derived from that server's clock (which starts at
the wall clock), as "the first Easter Monday at least 150 days ahead", chosen so
the calendar has the shape the test is about. The expected instants are worked
out by hand from the Norwegian calendar (see the comments) and checked against
`tests.helpers.dates`, not computed by the code under test.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import ObligationNotOpen, RequestRejected
from onboarding.domain.obligations.models import DeadlineCommand, ObligationView
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway import parties as gateway
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.obligations import DeadlineChangeRow, ObligationRow
from tests.helpers import ACTOR, Harness, eventually
from tests.helpers.dates import (
    at,
    business_day_on_or_before,
    business_days_after,
    easter_monday_ahead,
    friday_ahead,
    is_business_day,
)
from tests.helpers.servers import skip_to
from tests.helpers.waves import days

MINUTE = timedelta(minutes=1)
MONDAY, WEDNESDAY, FRIDAY, SATURDAY = 0, 2, 4, 5
WINTER_TIME, SUMMER_TIME = timedelta(hours=1), timedelta(hours=2)

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


def at_eight(day: date) -> datetime:
    """`day` at 08:00 Oslo time, when the default policy sends its messages."""
    return at(day, 8)


# The test server ends a workflow ten years after it started (its default
# execution timeout), so a shape is looked for only this far ahead: each of the
# shapes below comes round at least every six years.
SEARCH_YEARS = 7


def easter_monday_where(today: date, *, days: int, where: Callable[[date], bool]) -> date:
    """The first Easter Monday at least `days` after `today` for which `where` holds."""
    monday = easter_monday_ahead(today, days=days)
    while monday.year <= today.year + SEARCH_YEARS:
        if where(monday):
            return monday
        monday = easter_monday_ahead(monday, days=1)
    raise AssertionError(f"no Easter Monday within {SEARCH_YEARS} years of {today} fits")


def day_ahead(today: date, *, days: int, where: Callable[[date], bool]) -> date:
    """The first day at least `days` after `today` for which `where` holds."""
    day = today + timedelta(days=days)
    while day.year <= today.year + SEARCH_YEARS:
        if where(day):
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no day within {SEARCH_YEARS} years of {today} fits")


def weekday_holidays(after: date, through: date) -> list[date]:
    """The weekdays after `after` up to `through` that are holidays: what a count skips."""
    span = (after + timedelta(days=n) for n in range(1, (through - after).days + 1))
    return [d for d in span if d.weekday() < SATURDAY and not is_business_day(d)]


def seven_day_reminder_in_summer_time(easter_monday: date) -> bool:
    """The Easter test's shape: the 7-day reminder (12 days before Easter Monday)
    goes out in summer time, the 30-day one (35 days before) still in winter time."""
    return (
        at_eight(easter_monday - days(35)).utcoffset() == WINTER_TIME
        and at_eight(easter_monday - days(12)).utcoffset() == SUMMER_TIME
    )


def may_holidays_in_the_escalation_counts(deadline: date) -> bool:
    """A business day whose escalation counts skip 1 May and 17 May, both on
    weekdays: 1 May on the way to escalation-2 (10 business days after it), 17 May
    on the way from there to escalation-3 (20 business days after it)."""
    if not is_business_day(deadline):
        return False
    second, third = business_days_after(deadline, 10), business_days_after(deadline, 20)
    may_1, may_17 = date(deadline.year, 5, 1), date(deadline.year, 5, 17)
    return (
        may_1.weekday() < SATURDAY
        and may_17.weekday() < SATURDAY
        and deadline < may_1 < second < may_17 < third
    )


def friday_just_before_new_year(friday: date) -> bool:
    """A Friday after Christmas whose next ten business days take in New Year's Day."""
    return friday.month == 12 and friday.day >= 27 and date(friday.year + 1, 1, 1).weekday() < 5


def rows(engine: Engine, number: str, message_key: str | None = None) -> list[NotificationRow]:
    with Session(engine) as session:
        query = select(NotificationRow).where(NotificationRow.municipality_number == number)
        if message_key is not None:
            query = query.where(NotificationRow.message_key == message_key)
        return list(session.exec(query).all())


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
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        # An Easter late enough that the 7-day reminder goes out in summer time.
        easter_monday = easter_monday_where(
            await today(own_env), days=150, where=seven_day_reminder_in_summer_time
        )
        # Easter Monday is a holiday, and so are Good Friday and Maundy Thursday:
        # the deadline moves back to the Wednesday before, Easter Monday minus 5 days.
        view = await set_deadline(
            own_harness.client, place.number, Trigger.EXERCISE_OPTION, easter_monday
        )
        deadline = easter_monday - days(5)
        assert deadline.weekday() == WEDNESDAY
        assert deadline == business_day_on_or_before(easter_monday)
        assert view.effective_deadline == deadline
        assert [m.message_key for m in view.pending] == list(ROLES_PER_MESSAGE)

        # 60 days before the Wednesday is a Saturday: the Friday before.
        reminder_60d = deadline - days(61)
        # 30 days before it is a Monday; 7 days before, a Wednesday in summer time.
        reminder_30d, reminder_7d = deadline - days(30), deadline - days(7)
        assert (reminder_60d.weekday(), reminder_30d.weekday()) == (FRIDAY, MONDAY)
        assert (deadline - days(60)).weekday() == SATURDAY
        assert reminder_60d == business_day_on_or_before(deadline - days(60))
        assert reminder_30d == business_day_on_or_before(reminder_30d)
        assert reminder_7d == business_day_on_or_before(reminder_7d)
        assert at_eight(reminder_30d).utcoffset() == WINTER_TIME
        assert at_eight(reminder_7d).utcoffset() == SUMMER_TIME
        # 10 business days after the Wednesday, skipping Maundy Thursday, Good
        # Friday and Easter Monday (and 1 May when Easter is late): 13 weekdays
        # at least, the Monday 19 days on or later.
        escalation_2 = business_days_after(deadline, 10)
        easter_days = [easter_monday - days(4), easter_monday - days(3), easter_monday]
        assert weekday_holidays(deadline, escalation_2)[:3] == easter_days
        assert escalation_2 >= deadline + days(19)
        # 20 business days after it (skipping whatever holidays fall in the count:
        # 1 May, 17 May, Ascension Day; see the test across the May holidays).
        escalation_3 = business_days_after(deadline, 20)
        assert escalation_3 >= escalation_2 + days(14)

        expected = [
            ("reminder-60d", at_eight(reminder_60d)),
            ("reminder-30d", at_eight(reminder_30d)),
            ("reminder-7d", at_eight(reminder_7d)),
            ("escalation-1", at_eight(deadline)),  # on the deadline day
            ("escalation-2", at_eight(escalation_2)),
            ("escalation-3", at_eight(escalation_3)),
        ]
        for key, moment in expected:
            await fires_at(own_env, own_harness.engine, place.number, key, moment)
            level = await obligation(own_harness.client, place.number, Trigger.EXERCISE_OPTION)
            assert level.escalation_level == (int(key[-1]) if key.startswith("esc") else 0)

        # Nothing more, ever: a year later every message went out exactly once.
        await own_env.sleep(timedelta(days=365))
        counts = {k: len(rows(own_harness.engine, place.number, k)) for k in ROLES_PER_MESSAGE}
        assert counts == ROLES_PER_MESSAGE
        final = await obligation(own_harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert final.pending == [] and final.escalation_level == 3


async def test_escalations_count_business_days_across_christmas(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        # A Friday deadline just before New Year (27, 28 or 29 December).
        deadline = friday_ahead(await today(own_env), days=150, where=friday_just_before_new_year)
        assert deadline.month == 12 and 27 <= deadline.day <= 29 and is_business_day(deadline)
        await set_deadline(own_harness.client, place.number, Trigger.EXERCISE_OPTION, deadline)
        await fires_at(
            own_env, own_harness.engine, place.number, "escalation-1", at_eight(deadline)
        )
        # From that Friday: the weekdays up to New Year, (1 Jan off), then on into
        # January: ten business days are 11 weekdays, the Monday 17 days on (from
        # Fri 27 Dec: 30, 31 Dec, (1 Jan off), 2, 3, 6, 7, 8, 9, 10, 13 Jan).
        escalation_2 = deadline + days(17)
        assert escalation_2.weekday() == MONDAY and escalation_2.month == 1
        assert escalation_2 == business_days_after(deadline, 10)
        await fires_at(
            own_env, own_harness.engine, place.number, "escalation-2", at_eight(escalation_2)
        )


async def test_escalations_count_business_days_across_may_holidays(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        # A spring deadline whose escalation counts take in 1 May and 17 May.
        deadline = day_ahead(
            await today(own_env), days=150, where=may_holidays_in_the_escalation_counts
        )
        view = await set_deadline(
            own_harness.client, place.number, Trigger.EXERCISE_OPTION, deadline
        )
        assert view.effective_deadline == deadline
        may_1, may_17 = date(deadline.year, 5, 1), date(deadline.year, 5, 17)
        # 10 business days after the deadline, skipping 1 May (a weekday), and
        # whatever Easter day falls in the count as well.
        escalation_2 = business_days_after(deadline, 10)
        assert may_1 in weekday_holidays(deadline, escalation_2)
        # 20 business days after it, skipping 17 May (a weekday) as well.
        escalation_3 = business_days_after(deadline, 20)
        assert may_17 in weekday_holidays(escalation_2, escalation_3)
        for key, day in [
            ("escalation-1", deadline),
            ("escalation-2", escalation_2),
            ("escalation-3", escalation_3),
        ]:
            await fires_at(own_env, own_harness.engine, place.number, key, at_eight(day))
            level = await obligation(own_harness.client, place.number, Trigger.EXERCISE_OPTION)
            assert level.escalation_level == int(key[-1])


async def test_fulfilment_cancels_what_is_pending(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        easter_monday = easter_monday_ahead(await today(own_env), days=150)
        await set_deadline(own_harness.client, place.number, Trigger.EXERCISE_OPTION, easter_monday)
        # The deadline moves back to the Wednesday before Easter (Easter Monday
        # minus 5 days); 60 days before it is a Saturday: the Friday before.
        reminder_60d = easter_monday - days(66)
        assert reminder_60d.weekday() == FRIDAY and is_business_day(reminder_60d)
        await fires_at(
            own_env, own_harness.engine, place.number, "reminder-60d", at_eight(reminder_60d)
        )
        await own_harness.move(place.number, Trigger.EXERCISE_OPTION)
        done = await obligation(own_harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert done.status is ObligationStatus.FULFILLED and done.pending == []

        await own_env.sleep(timedelta(days=200))
        assert {r.message_key for r in rows(own_harness.engine, place.number)} == {"reminder-60d"}
        with Session(own_harness.engine) as session:
            stored = session.get(ObligationRow, (place.number, Trigger.EXERCISE_OPTION.value))
        assert stored is not None and stored.status == "fulfilled"


async def test_moving_a_deadline_rearms_and_is_recorded(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        easter_monday = easter_monday_ahead(await today(own_env), days=150)
        old_deadline = easter_monday - days(5)  # the Wednesday before Maundy Thursday
        first = await set_deadline(
            own_harness.client, place.number, Trigger.EXERCISE_OPTION, easter_monday
        )
        assert first.effective_deadline == old_deadline
        # 60 days before the Wednesday is a Saturday: the Friday before.
        old_60d = old_deadline - days(61)
        assert old_60d.weekday() == FRIDAY and is_business_day(old_60d)
        await fires_at(own_env, own_harness.engine, place.number, "reminder-60d", at_eight(old_60d))
        # Moved to a Friday in September (a business day): every message re-arms for it.
        new_deadline = friday_ahead(easter_monday, days=120, where=lambda f: f.month == 9)
        assert new_deadline.weekday() == FRIDAY and is_business_day(new_deadline)
        moved = await set_deadline(
            own_harness.client,
            place.number,
            Trigger.EXERCISE_OPTION,
            new_deadline,
            reason="council meeting moved to September",
        )
        assert moved.effective_deadline == new_deadline
        assert [m.message_key for m in moved.pending] == list(ROLES_PER_MESSAGE)
        # The old date's 30-day reminder: 30 days before the Wednesday, a Monday.
        old_30d = old_deadline - days(30)
        assert old_30d.weekday() == MONDAY and is_business_day(old_30d)
        assert first.pending[1].at == at_eight(old_30d)

        # The old date's 30-day reminder does not go out any more.
        await skip_to(own_env, at_eight(old_30d + days(1)))
        assert rows(own_harness.engine, place.number, "reminder-30d") == []
        # 60 days before the new Friday is a Monday in July: the new date makes it due again.
        new_60d = new_deadline - days(60)
        assert new_60d.weekday() == MONDAY and new_60d.month == 7 and is_business_day(new_60d)
        await skip_to(own_env, at_eight(new_60d) + MINUTE)
        await eventually(
            lambda: len(rows(own_harness.engine, place.number, "reminder-60d")) == 2,
            what="the 60-day reminder for the new date",
        )
        deadlines = sorted(
            r.deadline for r in rows(own_harness.engine, place.number, "reminder-60d")
        )
        assert deadlines == [old_deadline, new_deadline]

    with Session(own_harness.engine) as session:
        changes = session.exec(
            select(DeadlineChangeRow).where(DeadlineChangeRow.municipality_number == place.number)
        ).all()
    assert [(c.deadline_before, c.deadline_after) for c in changes] == [
        (None, easter_monday),
        (easter_monday, new_deadline),
    ]
    assert changes[1].reason == "council meeting moved to September"
    assert changes[1].actor_name == ACTOR.name


async def test_pause_stops_the_clock_and_resume_shifts_the_deadline(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        for trigger in (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION):
            await own_harness.move(place.number, trigger)
        start = await today(own_env)
        deadline = start + timedelta(days=100)
        await set_deadline(
            own_harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT, deadline
        )
        await own_harness.move(place.number, Trigger.PAUSE)
        paused = await obligation(own_harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT)
        assert paused.status is ObligationStatus.PAUSED and paused.pending == []

        # 50 days on hold: the 60-day reminder (due around day 40) must not go out.
        await own_env.sleep(timedelta(days=50))
        assert rows(own_harness.engine, place.number) == []
        await own_harness.move(place.number, Trigger.RESUME)
        resumed_on = await today(own_env)
        resumed = await obligation(own_harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT)
        assert resumed.status is ObligationStatus.OPEN
        assert resumed.deadline == deadline + (resumed_on - start)
        # The reminders now hang on the shifted date, all of them still ahead.
        assert [m.message_key for m in resumed.pending] == list(ROLES_PER_MESSAGE)
        now = await own_env.get_current_time()
        assert all(m.at > now for m in resumed.pending)


async def test_continue_as_new_keeps_pending_timers(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, handle = await own_harness.start(continue_as_new_after_events=60)
        first_run = (await handle.describe()).run_id
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        easter_monday = easter_monday_ahead(await today(own_env), days=150)
        for offset in range(-2, 8):  # each move re-arms the timers and grows the history
            await set_deadline(
                own_harness.client,
                place.number,
                Trigger.EXERCISE_OPTION,
                easter_monday + days(offset),
            )
        await set_deadline(own_harness.client, place.number, Trigger.EXERCISE_OPTION, easter_monday)
        later_run = (await handle.describe()).run_id
        assert later_run != first_run, "the history should have continued as new"
        # The deadline moves back to the Wednesday before Easter, Easter Monday minus
        # 5 days; 60 days before it is a Saturday: the Friday before.
        deadline = easter_monday - days(5)
        reminder_60d = deadline - days(61)
        assert deadline == business_day_on_or_before(easter_monday)
        assert reminder_60d == business_day_on_or_before(deadline - days(60))
        await fires_at(
            own_env, own_harness.engine, place.number, "reminder-60d", at_eight(reminder_60d)
        )
        await fires_at(
            own_env, own_harness.engine, place.number, "escalation-1", at_eight(deadline)
        )


async def test_resignature_opens_a_window_from_the_policy(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        await own_harness.move(place.number, Trigger.REQUIRE_RESIGNATURE)
        opened = await obligation(own_harness.client, place.number, Trigger.SIGN_COLLABORATION)
        assert opened.status is ObligationStatus.OPEN
        assert opened.deadline == await today(own_env) + timedelta(days=120)
        # Re-signing fulfils it; the option obligation opens again.
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        signed = await obligation(own_harness.client, place.number, Trigger.SIGN_COLLABORATION)
        assert signed.status is ObligationStatus.FULFILLED


async def test_bad_deadlines_are_refused_and_change_nothing(
    own_env: WorkflowEnvironment, own_harness: Harness
) -> None:
    async with own_harness.worker():
        place, _ = await own_harness.start()
        await own_harness.move(place.number, Trigger.SIGN_COLLABORATION)
        now = await today(own_env)
        with pytest.raises(RequestRejected) as past:
            await set_deadline(
                own_harness.client, place.number, Trigger.EXERCISE_OPTION, now - timedelta(days=1)
            )
        assert past.value.field == "deadline"
        with pytest.raises(RequestRejected) as unknown:
            await gateway.set_deadline(
                own_harness.client,
                place.number,
                DeadlineCommand(obligation_id="bake_cake", deadline=now, reason="x", actor=ACTOR),
            )
        assert unknown.value.field == "obligation_id"
        assert "exercise_option" in unknown.value.message
        with pytest.raises(ObligationNotOpen) as closed:
            await set_deadline(
                own_harness.client, place.number, Trigger.SIGN_SERVICE_AGREEMENT, now
            )
        assert closed.value.open_obligations == ["exercise_option"]
        untouched = await obligation(own_harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert untouched.deadline is None and untouched.pending == []
    with Session(own_harness.engine) as session:
        assert session.exec(select(DeadlineChangeRow)).all() == []


async def test_a_repeated_deadline_request_gets_its_first_answer(
    own_env: WorkflowEnvironment, harness: Harness
) -> None:
    async with harness.worker():
        place, _ = await harness.start()
        await harness.move(place.number, Trigger.SIGN_COLLABORATION)
        first_date = await today(own_env) + days(90)

        def command(deadline: date, key: str) -> DeadlineCommand:
            return DeadlineCommand(
                obligation_id=Trigger.EXERCISE_OPTION.value,
                deadline=deadline,
                reason="program plan",
                idempotency_key=key,
                actor=ACTOR,
            )

        first = await gateway.set_deadline(harness.client, place.number, command(first_date, "d1"))
        moved = await gateway.set_deadline(
            harness.client, place.number, command(first_date + days(30), "d2")
        )
        assert moved.deadline == first_date + days(30)
        # Its answer lost, the client repeats the first request: it changes nothing
        # and is answered as it was then, not with the deadline as it is now.
        repeat = await gateway.set_deadline(harness.client, place.number, command(first_date, "d1"))
        assert repeat == first
        now = await obligation(harness.client, place.number, Trigger.EXERCISE_OPTION)
        assert now.deadline == first_date + days(30)
        with pytest.raises(RequestRejected) as reused:
            await gateway.set_deadline(
                harness.client,
                place.number,
                command(first_date, "d1").model_copy(
                    update={"obligation_id": Trigger.SIGN_SERVICE_AGREEMENT.value}
                ),
            )
        assert reused.value.field == "idempotency_key"
    with Session(harness.engine) as session:
        assert len(session.exec(select(DeadlineChangeRow)).all()) == 2
