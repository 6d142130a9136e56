"""When the demo counts each of its facts as recorded: on the day it took effect, in office hours.

Without this, every record of the demo region would say it was recorded on
the afternoon it was loaded, and "as known on" any earlier date would show an
empty region. The demo loader's token may backdate (domain/recording.py), so
each fact is recorded on the day it took effect, at a time between 08:00 and
16:00 Europe/Oslo that depends on the day alone: the same for every fact of
a day, later for every later day, so a party's facts keep their order (the
engine refuses a backdated record before the party's previous one). A
reform of a day counts as recorded at 07:00 that morning
(gateway/region_history.py), before any fact of its day. Never after now.
"""

import zlib
from datetime import UTC, date, datetime, time, timedelta

from onboarding.domain.calendar import OSLO

OFFICE_OPENS = time(8)
OFFICE_MINUTES = 8 * 60


def recorded_on(day: date, *, now: datetime | None = None) -> datetime:
    """When a fact of `day` counts as recorded: that day in office hours, never after now."""
    minutes = zlib.crc32(day.isoformat().encode()) % OFFICE_MINUTES
    moment = datetime.combine(day, OFFICE_OPENS, tzinfo=OSLO) + timedelta(minutes=minutes)
    return min(moment, now or datetime.now(UTC))


def recorded_text(day: date) -> str:
    """`recorded_on(day)` as a request body spells it."""
    return recorded_on(day).isoformat()
