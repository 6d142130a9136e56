"""Refusals the engine and the API word in English, in the page's language.

The domain's errors carry a field and an English sentence (the API's
contract, unchanged); the pages show them through this one table of
patterns, each with a catalog key and the values it takes from the sentence
(dates shown in the page's format, triggers and stages by their labels). A
sentence no pattern knows is shown as it is. Structured parameters on the
errors themselves would spare the patterns, but the sentences are made in the
process definition and cross Temporal as text (gateway: `domain_error`).
"""

import re
from collections.abc import Callable
from datetime import date, datetime

from onboarding.web.conditions import condition_text
from onboarding.web.i18n import Translator

_DAY = r"\d{4}-\d{2}-\d{2}"
_MOMENT = r"\d{4}-\d{2}-\d{2}T[0-9:.+\-]+"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key)
    for pattern, key in (
        # Dates of transitions, corrections, checklist items, deadlines, reports.
        (
            rf"^(?P<day>{_DAY}) is in the future \(today is (?P<today>{_DAY})( in Europe/Oslo)?\)$",
            "refusal.future",
        ),
        (
            rf"^(?P<day>{_DAY}) is in the past \(today is (?P<today>{_DAY}) in Europe/Oslo\)$",
            "refusal.past",
        ),
        (
            rf"^(?P<day>{_DAY}) is before (?P<other>{_DAY}), when the previous transition "
            r"\((?P<trigger>[a-z_]+)\) took effect$",
            "refusal.before_previous",
        ),
        (
            rf"^(?P<day>{_DAY}) is after (?P<other>{_DAY}), when the next transition "
            r"\((?P<trigger>[a-z_]+)\) took effect$",
            "refusal.after_next",
        ),
        (
            rf"^(?P<moment>{_MOMENT}) is in the past; "
            r"only a wave recorded after the fact takes past dates$",
            "refusal.wave_past",
        ),
        (rf"^the wave already goes live at (?P<moment>{_MOMENT})$", "refusal.wave_same"),
        (r"^postponing needs the new go-live date$", "refusal.postpone_date"),
        (r"^postponing needs a reason$", "refusal.postpone_reason"),
        (r"^the correction changes nothing: the transition already says so$", "refusal.no_change"),
        # Evidence (the process definition's check_evidence).
        (
            r"^is required for (?P<trigger>[a-z_]+)( in [a-z_]+ v\d+)? \(.*\)$",
            "refusal.evidence_required",
        ),
        (r"^must be a non-empty string$", "refusal.empty"),
        (r"^must be at most (?P<count>\d+) characters$", "refusal.too_long"),
        # Pydantic's own, as the forms meet them.
        (r"^Field required$", "refusal.required"),
        (r"^String should have at most (?P<count>\d+) characters?$", "refusal.too_long"),
        (r"^String should have at least 1 character$", "refusal.empty"),
        (r"^Input should be a valid date.*$", "refusal.bad_date"),
        (r"^'(?P<value>.*)' is not a date; give YYYY-MM-DD$", "refusal.bad_date"),
        (r"^Input should be a valid datetime.*$", "refusal.bad_date"),
        # Refusals of the process (TransitionRefused's sentence).
        (
            r"^(?P<trigger>[a-z_]+) is not allowed in stage (?P<stage>[a-z_]+) "
            r"\(conditions not met: (?P<missing>.*)\)$",
            "refusal.conditions",
        ),
        (
            r"^(?P<trigger>[a-z_]+) is not allowed in stage (?P<stage>[a-z_]+) "
            r"\(allowed from [a-z_]+: (?P<allowed>.*)\)$",
            "refusal.not_allowed",
        ),
    )
)


def refusal_text(t: Translator, message: str) -> str:
    """One refusal, in `t`'s language (as it is if no pattern knows it)."""
    for pattern, key in _PATTERNS:
        found = pattern.match(message)
        if found is not None:
            values = {name: _shown(t, name, value) for name, value in found.groupdict().items()}
            return t(key, **{k: v for k, v in values.items() if v is not None})
    return message


def _shown(t: Translator, name: str, value: str | None) -> str | None:
    if value is None:
        return None
    shown: dict[str, Callable[[str], str]] = {
        "day": lambda v: t.date(date.fromisoformat(v)),
        "today": lambda v: t.date(date.fromisoformat(v)),
        "other": lambda v: t.date(date.fromisoformat(v)),
        "moment": lambda v: t.datetime(datetime.fromisoformat(v)),
        "trigger": t.trigger,
        "stage": t.stage,
        "missing": lambda v: "; ".join(condition_text(t, c) for c in v.split("; ")),
        "allowed": lambda v: (
            ", ".join(t.trigger(a) for a in v.split(", ") if a != "none") or t("refusal.none")
        ),
    }
    try:
        return shown.get(name, str)(value)
    except ValueError:
        return value
