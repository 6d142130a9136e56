"""When a record was recorded: the workflow's clock, or a time in the past the demo loader gives.

A record's `recorded_at` is transaction time: what "as known on" reads. It is
the workflow's clock, except for the demo loader, whose token alone may give
a command a `recorded_at` in the past (store/tokens.py `may_backdate`; the
API refuses it from anyone else), so a demo region reads as a history
recorded over the years rather than in one afternoon. A backdated record keeps
the moment it was really entered in `entered_at`, which marks it as
backdated wherever it is shown (audit log, timeline, pages).

Pure: `now` comes from the workflow.
"""

from datetime import UTC, datetime
from typing import NamedTuple

from pydantic import BaseModel, Field

from onboarding.domain.errors import RequestRejected
from onboarding.domain.fields import Moment

BACKDATED_DESCRIPTION = (
    "a recording time in the past, for a history loaded after the fact: accepted only from "
    "a token that may backdate (the demo loader's, which `onboarding up --demo` creates); "
    "the record is marked as backdated (`entered_at`). Default: now"
)
ENTERED_DESCRIPTION = (
    "set only on a backdated record (the demo loader's): when it was really entered; "
    "its recorded_at is the time the loader gave"
)


class Backdating(BaseModel):
    """The optional backdated recording time a command may carry (the demo loader's only)."""

    recorded_at: Moment | None = Field(None, description=BACKDATED_DESCRIPTION)


class Recording(NamedTuple):
    """When a record counts as recorded, and (backdated only) when it was really entered."""

    recorded_at: datetime
    entered_at: datetime | None


def recording(
    backdated_to: datetime | None, now: datetime, *, not_before: datetime | None = None
) -> Recording:
    """The recording of a command at `now`: now, or the time it was backdated to.

    A backdated time is in the past and not before `not_before` (the party's
    previous record), so a party's records keep the order they were entered
    in; RequestRejected on `recorded_at` otherwise.
    """
    if backdated_to is None:
        return Recording(now, None)
    if backdated_to > now:
        raise RequestRejected(
            "recorded_at", f"{backdated_to.isoformat()} is in the future (now is {now.isoformat()})"
        )
    if not_before is not None and backdated_to < not_before:
        raise RequestRejected(
            "recorded_at",
            f"{backdated_to.isoformat()} is before {not_before.isoformat()}, when the previous "
            "record was recorded",
        )
    # In UTC, as the workflow's clock gives it: the read model stores UTC.
    return Recording(backdated_to.astimezone(UTC), now)
