"""The municipal calendar: Norwegian business days.

Weekends and public holidays (from the maintained `holidays` library, never a
hand-written list) are not business days. Deadlines and escalation steps count
business days; a date that falls on a non-business day is moved to the previous
or the next business day, as the caller's rule says.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from holidays.countries.norway import Norway
from temporalio import workflow


@lru_cache(maxsize=256)
def _holidays_of(year: int) -> frozenset[date]:
    # The library looks up translations (gettext, locale) while it computes,
    # which the workflow sandbox forbids; the result is a pure function of the
    # year (for a pinned library version), so it is safe to compute unrestricted.
    if workflow.unsafe.in_sandbox():
        with workflow.unsafe.sandbox_unrestricted():
            return _compute_holidays(year)
    return _compute_holidays(year)


def _compute_holidays(year: int) -> frozenset[date]:
    # include_sundays=False: weekends are handled by weekday(), holidays are the named days.
    return frozenset(Norway(years=year, include_sundays=False).keys())


def holiday_name(day: date) -> str | None:
    """The public holiday on `day`, or None."""
    name = Norway(years=day.year, include_sundays=False).get(day)
    return str(name) if name is not None else None


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a Norwegian public holiday."""
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def every_day(day: date) -> bool:
    """The calendar of a program that counts calendar days: every day is a business day."""
    return True


WorkdayRule = Callable[[date], bool]


def business_day_on_or_before(day: date, workday: WorkdayRule = is_business_day) -> date:
    """`day` if it is a business day, else the previous one."""
    while not workday(day):
        day -= timedelta(days=1)
    return day


def business_day_on_or_after(day: date, workday: WorkdayRule = is_business_day) -> date:
    """`day` if it is a business day, else the next one."""
    while not workday(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int, workday: WorkdayRule = is_business_day) -> date:
    """The business day `count` business days after `day` (before it, if negative).

    Counting starts from the next (or previous) day, so add_business_days(d, 0)
    is d itself, whatever kind of day it is.
    """
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if workday(day):
            remaining -= 1
    return day
