"""The catchment area on a date, counted straight from the shipped CSV files.

Independent of onboarding.domain.region_history: the csv module reads the two
files, and a municipality is in the area on a day if a line of
`municipalities-history.csv` marked `in` covers the day. Its party is the
number its `key` had on the first day it was in the area (docs/parties.md: a
municipality's id is its number at registration, and a renumbering keeps it).
Reports across reforms are checked against this.
"""

import csv
from datetime import date
from importlib import resources

DATA = resources.files("onboarding").joinpath("data")


def _lines(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(DATA.joinpath(name).read_text("utf-8").splitlines()))


PERIODS = _lines("municipalities-history.csv")
CHANGES = _lines("region-changes.csv")


def _covers(line: dict[str, str], day: date) -> bool:
    start = date.fromisoformat(line["valid_from"])
    end = date.fromisoformat(line["valid_to"]) if line["valid_to"] else date.max
    return start <= day <= end


def _party_of_key() -> dict[str, str]:
    first: dict[str, tuple[str, str]] = {}
    for line in PERIODS:
        if line["in_region"] != "in":
            continue
        known = first.get(line["key"])
        if known is None or line["valid_from"] < known[0]:
            first[line["key"]] = (line["valid_from"], line["number"])
    return {key: number for key, (_, number) in first.items()}


PARTY_OF_KEY = _party_of_key()


def region_on(day: date) -> dict[str, str]:
    """The catchment area on `day`: party id -> the municipality's number that day."""
    return {
        PARTY_OF_KEY[line["key"]]: line["number"]
        for line in PERIODS
        if line["in_region"] == "in" and _covers(line, day)
    }


def change_dates() -> list[date]:
    """Every day a change took effect, in order."""
    return sorted({date.fromisoformat(line["date"]) for line in CHANGES})
