"""The region history the project ships (onboarding/data/), read through importlib.resources."""

from importlib import resources

from onboarding.domain.region_history.history import RegionHistory
from onboarding.domain.region_history.parsing import parse_changes, parse_periods

PERIODS_FILE = "municipalities-history.csv"
CHANGES_FILE = "region-changes.csv"


def shipped_history() -> RegionHistory:
    """The catchment area's municipalities and reforms since 2015-01-01, checked."""
    data = resources.files("onboarding").joinpath("data")
    return RegionHistory.build(
        parse_periods(data.joinpath(PERIODS_FILE).read_text("utf-8"), source=PERIODS_FILE),
        parse_changes(data.joinpath(CHANGES_FILE).read_text("utf-8"), source=CHANGES_FILE),
        periods_source=PERIODS_FILE,
        changes_source=CHANGES_FILE,
    )
