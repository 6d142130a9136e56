"""Fields the lists' GET filter forms share (the outbox, the audit log, the parties, the
work list, the dashboard's region table).

Each reads the form's text value, adds an error named by the field when it is
wrong (so the page answers 422 and shows nothing), and returns what it means.
"""

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TypeVar

from onboarding.domain.party import PARTY_ID_PATTERN
from onboarding.web.forms import FormErrors
from onboarding.web.i18n import Translator

Choice = TypeVar("Choice", bound=StrEnum)


def sent_values(names: Iterable[str], sent: Iterable[str | None]) -> dict[str, str]:
    """A filter form's values as sent, by name: stripped, empty when absent."""
    return {name: (value or "").strip() for name, value in zip(names, sent, strict=True)}


def municipality_number(t: Translator, values: dict[str, str], errors: FormErrors) -> str | None:
    """`values["municipality"]`: four digits, or None when left empty."""
    number = values["municipality"] or None
    if number is not None and not (len(number) == 4 and number.isascii() and number.isdigit()):
        errors.add("municipality", t("error.municipality_number"))
    return number


def party_number(t: Translator, values: dict[str, str], errors: FormErrors) -> str | None:
    """`values["municipality"]`: a party's id (5001, gp-923609016), or None when left empty.

    For the lists of what happened to any party (the audit log, the outbox); the
    field keeps its name, so the links that filter on a municipality keep working.
    """
    number = values["municipality"] or None
    if number is not None and re.fullmatch(PARTY_ID_PATTERN, number) is None:
        errors.add("municipality", t("error.party_id"))
    return number


def listed(
    t: Translator, values: dict[str, str], errors: FormErrors, name: str, choices: type[Choice]
) -> Choice | None:
    """`values[name]`: one of `choices` (a select's options), or None when left empty."""
    if not values[name]:
        return None
    try:
        return choices(values[name])
    except ValueError:
        errors.add(name, t("error.choose_listed"))
        return None


def period(
    t: Translator, values: dict[str, str], errors: FormErrors
) -> tuple[date | None, date | None]:
    """`values["from"]` and `values["to"]` as days (None when empty); from may not be after to."""
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        try:
            days[name] = date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            errors.add(name, t("error.date_format"))
    first, last = days.get("from"), days.get("to")
    if first is not None and last is not None and first > last:
        errors.add("from", t("error.from_after_to"))
    return first, last
