"""Field types of requests: a day, a moment and an idempotency key, as JSON spells them."""

import re
from datetime import date
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*")


def _day_text(value: object) -> object:
    # Pydantic alone takes 0 (a Unix time) for a date; a body's day is YYYY-MM-DD
    # (or a date, from Python), as the OpenAPI document's `format: date` says.
    if isinstance(value, (int, float)) or (isinstance(value, str) and not _DAY.fullmatch(value)):
        raise PydanticCustomError(
            "date_format", "{message}", {"message": f"{value!r} is not a date; give YYYY-MM-DD"}
        )
    return value


def _moment_text(value: object) -> object:
    # As _day_text, for `format: date-time`: a date and a time of day, never a number.
    if isinstance(value, (int, float)) or (isinstance(value, str) and not _MOMENT.fullmatch(value)):
        raise PydanticCustomError(
            "datetime_format",
            "{message}",
            {"message": f"{value!r} is not a date-time; give e.g. 2025-04-25T22:00:00+02:00"},
        )
    return value


Day = Annotated[date, BeforeValidator(_day_text)]
"""A day in a request: YYYY-MM-DD in JSON, never a number."""

Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text)]
"""A date-time with offset in a request: ISO 8601 in JSON, never a number."""

IdempotencyKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$"),
    Field(description="client-chosen key; a repeat returns the first result"),
]
