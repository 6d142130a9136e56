"""Municipal reforms as process events: renumbering, merger, split, boundary transfer, joining
and leaving the catchment area (#20), planned and applied to each party's state (pure)."""
