"""The dashboard's region table: filtered on the server, at most a page of rows shown.

With the 67 municipalities of today every row is on the page and the
filters act at once in the browser (static/app.js). A region the size of a
country (10,000 parties) would be a page of megabytes, so the same filters
are a GET form the server applies before it cuts the table to
`REGION_TABLE_LIMIT` rows; a table cut short says so. The browser filters at
once only while the whole region is on the page, and sorts only a table not
cut short.
"""

from dataclasses import dataclass

from onboarding.domain.vocabulary import Stage
from onboarding.web.overview import RegionRow

# Rows of the table a page shows: all of today's region, a page of a country's.
REGION_TABLE_LIMIT = 500
# The filters' names in the query string (and the form).
REGION_FILTERS = ("q", "stage", "county", "trust", "overdue")


@dataclass(frozen=True)
class RegionTable:
    """The rows shown, how many matched the filters, and the choices of the filters."""

    rows: list[RegionRow]
    matching: int
    total: int
    counties: list[str]
    trusts: list[str]

    @property
    def partial(self) -> bool:
        """More rows matched than are shown: sorting them in the browser would mislead."""
        return self.matching > len(self.rows)

    @property
    def whole(self) -> bool:
        """Every row of the region is on the page: the browser may filter them at once
        (after a filter of the server's, widening it must ask the server again)."""
        return len(self.rows) == self.total


def _matches(row: RegionRow, values: dict[str, str], stage: Stage | None) -> bool:
    """The browser's rule (static/app.js): text in number or name, the rest equal."""
    text = values["q"].lower()
    return (
        (not text or text in f"{row.number} {row.name}".lower())
        and (stage is None or row.stage is stage)
        and (not values["county"] or row.county.lower() == values["county"].lower())
        and (not values["trust"] or row.health_trust.lower() == values["trust"].lower())
        and (not values["overdue"] or row.overdue)
    )


def region_table(
    rows: list[RegionRow],
    values: dict[str, str],
    stage: Stage | None,
    *,
    limit: int | None = None,
) -> RegionTable:
    """The rows (by number) the filter `values` let through, cut to `limit` (default
    REGION_TABLE_LIMIT)."""
    matching = [row for row in rows if _matches(row, values, stage)]
    return RegionTable(
        rows=matching[: REGION_TABLE_LIMIT if limit is None else limit],
        matching=len(matching),
        total=len(rows),
        counties=sorted({row.county for row in rows}),
        trusts=sorted({row.health_trust for row in rows}),
    )
