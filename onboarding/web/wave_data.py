"""What the wave pages read and parse beyond the store: every date each wave had
(from its append-only history, one query for all waves), and the Europe/Oslo
date-time typed in a form."""

from datetime import UTC, datetime

from sqlalchemy import Engine

from onboarding.domain.calendar import OSLO
from onboarding.store.waves import wave_events


def date_history(engine: Engine) -> dict[str, list[datetime]]:
    """Wave id -> every go-live it had, oldest first (the last is the current one)."""
    found: dict[str, list[datetime]] = {}
    for event in wave_events(engine):
        if event.kind in ("created", "rescheduled") and event.go_live_at is not None:
            found.setdefault(event.wave_id, []).append(event.go_live_at)
    return found


def oslo_datetime(value: str) -> datetime:
    """A form's `datetime-local` value (Norwegian time) as an instant with its offset.

    Raises ValueError with a message for a malformed value, or a time that does
    not exist in Norway (the hour the clocks skip in March).
    """
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date and time") from None
    if naive.tzinfo is not None:
        raise ValueError("not a date and time")
    local = naive.replace(tzinfo=OSLO)
    # Round-trip through UTC: a skipped local time comes back as another wall time.
    if local.astimezone(UTC).astimezone(OSLO).replace(tzinfo=None) != naive:
        raise ValueError("does not exist in Norwegian time")
    # A fixed offset, as the API takes it (2025-04-25T22:00:00+02:00).
    return datetime.fromisoformat(local.isoformat())


def form_value(moment: datetime | None) -> str:
    """An instant as a `datetime-local` value in Norwegian time."""
    if moment is None:
        return ""
    return moment.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")
