"""Dates for tests that hold on whatever day they run.

A test whose dates must lie ahead of a clock never names a year: it derives them
from that clock (the test server's, or the machine's for tests on the shared
server), as "the first Friday at least 120 days ahead" or "the first Easter
Monday at least four months ahead". `tools/clock_moved_tests.sh` runs the suite
with the clock a year and three years ahead to show it.

Where an expectation hangs on the Norwegian calendar, it is worked out here by a
rule small enough to check by eye (Monday to Friday, not a public holiday in
the `holidays` library), independently of the engine's own calendar code.
Tests about fixed past dates (a history, a report as of 2022) keep their years.
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.easter import easter
from holidays.countries.norway import Norway

OSLO = ZoneInfo("Europe/Oslo")
FRIDAY = 4


def oslo_day(moment: datetime) -> date:
    """The calendar day of `moment` in Oslo."""
    return moment.astimezone(OSLO).date()


def at(day: date, hour: int = 22, minute: int = 0) -> datetime:
    """`day` at `hour`:`minute` Oslo time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a Norwegian public holiday."""
    return day.weekday() < 5 and day not in Norway(years=day.year, include_sundays=False)


def business_day_on_or_before(day: date) -> date:
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def business_day_on_or_after(day: date) -> date:
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def business_days_after(day: date, count: int) -> date:
    """The `count`-th business day after `day`."""
    while count:
        day += timedelta(days=1)
        count -= is_business_day(day)
    return day


def fridays_from(day: date) -> Iterator[date]:
    """Every Friday on or after `day`."""
    day += timedelta(days=(FRIDAY - day.weekday()) % 7)
    while True:
        yield day
        day += timedelta(weeks=1)


def friday_ahead(today: date, *, days: int, where: Callable[[date], bool] = lambda _: True) -> date:
    """The first Friday at least `days` after `today` for which `where` holds."""
    return next(friday for friday in fridays_from(today + timedelta(days=days)) if where(friday))


def easter_monday_ahead(today: date, *, days: int) -> date:
    """The first Easter Monday at least `days` after `today`."""
    year = today.year
    while (monday := easter(year) + timedelta(days=1)) < today + timedelta(days=days):
        year += 1
    return monday
