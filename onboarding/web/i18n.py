"""Languages of the pages: Norwegian bokmål (nb) and English (en).

The choice is a cookie set by the language switch; without one the browser's
Accept-Language decides, and bokmål is the default (the program's own
language). Text lives in `onboarding.web.catalog`; stage and trigger names come
from the process definition's own labels, the kinds of party from the domain's.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from onboarding.domain.calendar import OSLO
from onboarding.domain.party import KIND_LABELS, PartyKind
from onboarding.domain.vocabulary import STAGE_LABELS, TRIGGER_LABELS, Stage, Trigger
from onboarding.web.catalog import CATALOGS

LANGUAGES: tuple[str, ...] = ("nb", "en")
DEFAULT_LANGUAGE = "nb"
LANGUAGE_COOKIE = "onb_lang"
# Norwegian in any of its tags reads bokmål here.
_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "en": "en"}
_MONTHS = {
    "nb": (
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
# For tables: the abbreviations of the Norwegian Language Council (mars to juli stay whole).
_SHORT_MONTHS = {
    "nb": (
        "jan.",
        "feb.",
        "mars",
        "apr.",
        "mai",
        "juni",
        "juli",
        "aug.",
        "sep.",
        "okt.",
        "nov.",
        "des.",
    ),
    "en": _MONTHS["en"],
}


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The page language: the cookie's if valid, else the best of Accept-Language, else nb."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in _ALIASES and quality > 0:
            ranked.append((-quality, position, _ALIASES[primary]))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _day_text(language: str, day: date | None, months: Mapping[str, tuple[str, ...]]) -> str:
    if day is None:
        return ""
    separator = ". " if language == "nb" else " "
    return f"{day.day}{separator}{months[language][day.month - 1]} {day.year}"


def _moment_text(moment: datetime | None, day_text: Callable[[date], str]) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(OSLO)
    return f"{day_text(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class Translator:
    """Text, names and dates in one language; templates get it as `t`."""

    language: str

    @property
    def catalog(self) -> Mapping[str, str]:
        return CATALOGS[self.language]

    def __call__(self, key: str, **values: object) -> str:
        """The message `key`, formatted with `values`; the key itself if it is missing."""
        text = self.catalog.get(key) or CATALOGS["en"].get(key) or key
        return text.format(**values) if values else text

    def stage(self, stage: Stage | str) -> str:
        return STAGE_LABELS[Stage(stage)][self.language]

    def trigger(self, trigger: Trigger | str) -> str:
        return TRIGGER_LABELS[Trigger(trigger)][self.language]

    def kind(self, kind: PartyKind | str) -> str:
        """The name of a kind of party: Fastlegekontor / GP office."""
        return KIND_LABELS[PartyKind(kind)][self.language]

    def obligation(self, obligation_id: str, fallback: str) -> str:
        """An obligation's name: its trigger's label, a checklist item's, or `fallback`."""
        try:
            return self.trigger(obligation_id)
        except ValueError:
            return self.catalog.get(f"checklist_item.{obligation_id}", fallback)

    # Before `date` and `datetime`: their names would shadow the types in these annotations.
    def short_date(self, day: date | None) -> str:
        """A calendar date for a table cell: 15. mars 2017, 3. des. 2026 / 3 Dec 2026."""
        return _day_text(self.language, day, _SHORT_MONTHS)

    def short_datetime(self, moment: datetime | None) -> str:
        """An instant for a table cell, in Europe/Oslo: 3. des. 2026 14:05."""
        return _moment_text(moment, self.short_date)

    def date(self, day: date | None) -> str:
        """A calendar date: 15. mars 2017 / 15 Mar 2017."""
        return _day_text(self.language, day, _MONTHS)

    def datetime(self, moment: datetime | None) -> str:
        """An instant as date and time in Europe/Oslo."""
        return _moment_text(moment, self.date)
