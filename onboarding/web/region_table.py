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
from datetime import date

from onboarding.domain.vocabulary import Stage
from onboarding.web.overview import RegionParty, RegionRow, region_row

# Rows of the table a page shows: all of today's region (67) and of one three times
# its size, a page of a country's. 500 rows were a third of the dashboard's time at
# the size of a country (bench/pages_scale.py) for more than anyone reads unfiltered.
REGION_TABLE_LIMIT = 200
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


def _matches(party: RegionParty, values: dict[str, str], stage: Stage | None, today: date) -> bool:
    """The browser's rule (static/app.js): text in number or name, the rest equal."""
    text = values["q"].lower()
    return (
        (not text or text in f"{party.number} {party.name}".lower())
        and (stage is None or party.stage == stage.value)
        and (not values["county"] or party.county.lower() == values["county"].lower())
        and (not values["trust"] or party.health_trust.lower() == values["trust"].lower())
        and (not values["overdue"] or party.overdue(today))
    )


def region_table(
    parties: list[RegionParty],
    values: dict[str, str],
    stage: Stage | None,
    *,
    today: date,
    limit: int | None = None,
) -> RegionTable:
    """The rows (by number) the filter `values` let through, cut to `limit` (default
    REGION_TABLE_LIMIT).

    The parties are filtered as read (plain tuples): a country's 10,000 rows made
    into table rows took longer than the rest of the page; only those shown are.
    """
    matching = [party for party in parties if _matches(party, values, stage, today)]
    shown = matching[: REGION_TABLE_LIMIT if limit is None else limit]
    return RegionTable(
        rows=[region_row(party, today=today) for party in shown],
        matching=len(matching),
        total=len(parties),
        counties=sorted({party.county for party in parties}),
        trusts=sorted({party.health_trust for party in parties}),
    )
