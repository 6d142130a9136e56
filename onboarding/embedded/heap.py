"""A service process's garbage collector, set once start-up is done.

Every process that serves runs one of the two settlements below when it is
ready: the API's (`onboarding api`, and `onboarding up` itself, whose process
serves the API) or the worker's (`onboarding worker`, up's worker child
included).

Both freeze what start-up made: the modules, the app and its routes, a quarter
of a million objects that live as long as the process. Out of the collector's
sight, they are no longer walked by every full collection, which in-process at
the size of a country (10,000 parties: bench/pages_scale.py) paused a page for
100-300 ms several times a minute.

Only the API also collects its youngest generation less often. A page's rows,
alive until it is rendered, no longer climb the generations by the collection
of the youngest every 700 allocations (every page's worth of rows made it to
the oldest, whose collections then came often).

The worker keeps Python's thresholds. The workflows it evicts from its cache
are old and held in cycles, so only a full collection frees them, and
collecting the youngest every 50,000 allocations made full collections so rare
that a worker whose cache held 1,000 of 10,000 open workflows grew to 1,232 MB
instead of 356 (bench/RESULTS.md, "Worker memory").
"""

import gc

# Allocations between collections of the API's youngest generation (Python's default: 700).
YOUNGEST = 50_000


def settle_api_after_startup() -> None:
    """Freeze what start-up made and collect the youngest less often (see the module)."""
    settle_worker_after_startup()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST, middle, oldest)


def settle_worker_after_startup() -> None:
    """Freeze what start-up made; keep Python's thresholds (see the module)."""
    gc.collect()
    gc.freeze()
