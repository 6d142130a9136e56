"""Checks of what the user typed, made before any request so mistakes cost no round trip.

Only the shape is checked here (a date is a date, evidence is key=value). Whether
a trigger may fire or which evidence it needs is the API's decision: the process
definition lives on the server, and the CLI may be older or newer than it.
"""

import re
from collections.abc import Iterable
from datetime import date

from onboarding.cli.errors import BadInput
from onboarding.process import Stage

_NUMBER = re.compile(r"^[0-9]{4}$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def municipality_number(text: str) -> str:
    """A 4-digit municipality number (kommunenummer), e.g. 5001."""
    if not _NUMBER.match(text):
        raise BadInput(f"NUMBER: {text!r} is not a 4-digit municipality number (e.g. 5001)")
    return text


def iso_date(text: str, *, option: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    # date.fromisoformat also takes 20240101 and week dates; people mean one form.
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadInput(f"{option}: {text!r} is not a date (use YYYY-MM-DD, e.g. 2024-11-09)")


def evidence(pairs: Iterable[str]) -> dict[str, str]:
    """`key=value` pairs as a dict; the value may itself contain `=`."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(
                f"--evidence: {pair!r} is not key=value (e.g. --evidence case_ref=2021/1234)"
            )
        if key in result:
            raise BadInput(f"--evidence: {key} is given twice")
        result[key] = value
    return result


def stage(text: str) -> Stage:
    """One of the process's stages, by its value."""
    try:
        return Stage(text)
    except ValueError:
        allowed = ", ".join(s.value for s in Stage)
        raise BadInput(f"--stage: unknown stage {text!r} (allowed: {allowed})") from None
