"""Parse the two region history files, refusing a whole file at its first bad line and field.

Both are UTF-8 CSV with a header row (docs/region-history.md). As with the
region file (`parties/region.py`), nothing is half-read: an error names the
file, the line and the field, e.g. `region-changes.csv line 7 from_numbers`.
"""

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from onboarding.domain.csv_lines import csv_lines
from onboarding.domain.errors import RequestRejected
from onboarding.domain.region_history.models import NumberPeriod, RegionChange

PERIOD_COLUMNS = (
    "number",
    "name",
    "county",
    "valid_from",
    "valid_to",
    "key",
    "in_region",
    "source",
    "verified",
)
CHANGE_COLUMNS = (
    "date",
    "kind",
    "from_numbers",
    "to_numbers",
    "areas",
    "note",
    "source",
    "verified",
)

Row = TypeVar("Row", bound=BaseModel)


def _parse(text: str, model: type[Row], columns: tuple[str, ...], source: str) -> list[Row]:
    parsed: list[Row] = []
    for expected, (line, row) in enumerate(csv_lines(text, columns, source), start=2):
        if line != expected:
            # The history checks name lines by position: one record, one line.
            raise RequestRejected(f"{source} line {expected}", "a field spans lines")
        try:
            parsed.append(model.model_validate(row))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"][:1]) or "row"
            raise RequestRejected(f"{source} line {line} {field}", first["msg"]) from None
    if not parsed:
        raise RequestRejected(source, "no lines in file")
    return parsed


def parse_periods(text: str, *, source: str = "municipalities-history.csv") -> list[NumberPeriod]:
    """The lines of a municipalities history file, in file order (line 2 is the first)."""
    return _parse(text, NumberPeriod, PERIOD_COLUMNS, source)


def parse_changes(text: str, *, source: str = "region-changes.csv") -> list[RegionChange]:
    """The lines of a region changes file, in file order (line 2 is the first)."""
    return _parse(text, RegionChange, CHANGE_COLUMNS, source)
