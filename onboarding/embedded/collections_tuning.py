"""Fewer and smaller garbage collections while the API serves.

The API keeps large answers between requests (store/kept_reports.py: a tuple
per party, ten thousand at the size of a country) and a request for the
dashboard makes tens of thousands of short-lived objects. With Python's
default thresholds a collection runs every 700 allocations, so a request's
own rows are promoted to the older generations while still in use, and every
few requests a full collection walks every object the process holds: 150 ms
added to that request, measured (bench/pages_scale.py, "dashboard, after a
write").

While serving: what exists once the app is built (modules, the app, its
engine) is frozen out of the collector's walks, as it lives as long as the
process, and the youngest generation is collected after 50,000 allocations,
not 700, so a request's objects mostly die young. Reference counting still
frees all but cycles at once; cycles are still collected, less often.
"""

import contextlib
import gc
from collections.abc import Iterator

# Allocations (net of frees) between collections of the youngest generation.
YOUNG_THRESHOLD = 50_000


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Freeze what exists now and raise the youngest threshold; undone on exit."""
    before = gc.get_threshold()
    gc.collect()  # no garbage frozen in with the rest
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
