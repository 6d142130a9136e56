"""The region's history since 2015: every municipality's numbers, and every reform, as shipped data.

Two CSV files under onboarding/data/ (docs/region-history.md describes them and
their sources): `municipalities-history.csv`, one line per municipality and
period of a number, and `region-changes.csv`, one line per reform. `history.py`
checks that the two agree and answers the queries: the region on a date, what
an old number is now, a municipality's predecessors, the changes between two
dates.
"""

from onboarding.domain.region_history.history import RegionHistory
from onboarding.domain.region_history.models import ChangeKind, NumberPeriod, RegionChange
from onboarding.domain.region_history.parsing import parse_changes, parse_periods
from onboarding.domain.region_history.shipped import shipped_history

__all__ = [
    "ChangeKind",
    "NumberPeriod",
    "RegionChange",
    "RegionHistory",
    "parse_changes",
    "parse_periods",
    "shipped_history",
]
