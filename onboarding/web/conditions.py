"""The go-live conditions and blockers the engine names, in the page's language.

The engine (onboarding.domain.waves.readiness, onboarding.domain.waves.blockers) names missing
conditions in English sentences, the API's contract. Pages show them through
this one table of patterns; a sentence it does not know is shown as it is.
"""

import re

from onboarding.web.i18n import Translator

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^service agreement not signed$"), "condition.agreement"),
    (re.compile(r"^not a member of a production wave$"), "condition.no_wave"),
    (re.compile(r"^checklist item (?P<item>[a-z_]+) not done$"), "condition.item"),
    (re.compile(r"^missed go-live: move it to another wave$"), "condition.missed"),
    (re.compile(r"^paused \(from (?P<stage>[a-z_]+)\)$"), "condition.paused"),
    (re.compile(r"^approve_go_live not recorded$"), "condition.approve"),
    (re.compile(r"^stage (?P<stage>[a-z_]+) not reached$"), "condition.not_reached"),
    (
        re.compile(
            r"^municipality (?P<number>[0-9]{4}) is not ready for go-live \((?P<stage>.+)\)$"
        ),
        "condition.home_not_ready",
    ),
    (
        re.compile(
            r"^municipality (?P<number>[0-9]{4}) \((?P<name>.+)\) did not go live with the wave$"
        ),
        "condition.home_missed",
    ),
)


def condition_text(t: Translator, condition: str) -> str:
    """One missing condition, in `t`'s language."""
    for pattern, key in _PATTERNS:
        found = pattern.match(condition)
        if found is None:
            continue
        values = found.groupdict()
        if "item" in values:
            values["item"] = t.obligation(values["item"], values["item"])
        if "stage" in values:
            try:
                values["stage"] = t.stage(values["stage"])
            except ValueError:
                if key != "condition.home_not_ready":
                    return condition
                # "not registered": the municipality has no row yet.
                values["stage"] = t("condition.home_unregistered")
        return t(key, **values)
    return condition
