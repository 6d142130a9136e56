"""The region's municipalities, loaded from the CSV file the project ships.

A region file is `number,name,county,health_trust` with a header row, UTF-8. A
file with any bad row is refused whole, naming the line, so nothing is
half-imported.
"""

from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from onboarding.domain.csv_lines import csv_lines
from onboarding.domain.errors import RequestRejected
from onboarding.domain.municipality import Municipality
from onboarding.domain.region_history.parties import HistoryPlan
from onboarding.domain.region_history.shipped import shipped_history

COLUMNS = ("number", "name", "county", "health_trust")
SHIPPED_FILE = "municipalities-2024.csv"


def parse_region(text: str, *, source: str = "region file") -> list[Municipality]:
    """Parse region CSV text; raise RequestRejected naming the first bad line."""
    seen: dict[str, int] = {}
    municipalities: list[Municipality] = []
    for line, row in csv_lines(text, COLUMNS, source):
        try:
            municipality = Municipality.model_validate(row)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "row"
            raise RequestRejected(f"{source} line {line} {field}", first["msg"]) from None
        if municipality.number in seen:
            first_line = seen[municipality.number]
            raise RequestRejected(
                f"{source} line {line} number",
                f"duplicate municipality {municipality.number} (first on line {first_line})",
            )
        seen[municipality.number] = line
        municipalities.append(municipality)
    if not municipalities:
        raise RequestRejected(source, "no municipalities in file")
    return municipalities


def read_region_file(path: Path) -> list[Municipality]:
    """Read a region file from disk, refusing anything but UTF-8."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RequestRejected(
            str(path), f"must be UTF-8 ({err.reason} at byte {err.start})"
        ) from None
    return parse_region(text, source=str(path))


def shipped_region() -> list[Municipality]:
    """The region's 67 municipalities (2024 numbering), shipped with the package."""
    text = resources.files("onboarding").joinpath("data", SHIPPED_FILE).read_text("utf-8")
    return parse_region(text, source=SHIPPED_FILE)


def shipped_plan() -> HistoryPlan:
    """The region's shipped history as parties and reforms, with today's health trusts."""
    return HistoryPlan.build(
        shipped_history(), {m.number: m.health_trust for m in shipped_region()}
    )
