"""Every municipality of the region as a line of the dashboard's table, for tests.

The dashboard itself filters `region_parties` and makes lines only for those it
shows (onboarding/web/region_table.py); tests that check the lines of the
whole region make them all.
"""

from datetime import date

from sqlalchemy import Engine

from onboarding.web.overview import RegionRow, WaveLookup, region_parties, region_row


def region_rows(engine: Engine, *, today: date, waves: WaveLookup | None = None) -> list[RegionRow]:
    """Every municipality of the region today as a line of the table."""
    parties = (
        region_parties(engine, today=today)
        if waves is None
        else region_parties(engine, today=today, waves=waves)
    )
    return [region_row(party, today=today) for party in parties]
