"""The program's clock: dates are Europe/Oslo dates.

Workflows import this module passed through the sandbox, so the zone is loaded
once by the worker process, not inside a workflow.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def oslo_date(moment: datetime) -> date:
    """The calendar date in Oslo at `moment` (which must be timezone-aware)."""
    return moment.astimezone(OSLO).date()


def today_in_oslo() -> date:
    """Today's date in Oslo, by the wall clock (never call this from a workflow)."""
    return datetime.now(OSLO).date()


def start_of_day_in_oslo(day: date) -> datetime:
    """Midnight in Oslo at the start of `day` (aware, so it compares in UTC)."""
    return datetime.combine(day, time(), tzinfo=OSLO)
