"""A service process's garbage collector, set once start-up is done.

Every process that serves runs this when it is ready: `onboarding api`,
`onboarding worker` (up's worker child included) and `onboarding up` itself
(its API). For the worker, which allocates and drops payloads, protobuf
messages and activation objects by the thousand per transition while its
cached workflows live on, the same two reasons hold.

In-process at the size of a country (10,000 parties: bench/pages_scale.py),
a full collection walked the quarter of a million objects start-up made
(modules, the app, its routes) and paused a page for 100-300 ms, several
times a minute under load: the slow loads that put the pages' 95th
percentile at twice their median. Start-up's objects live as long as the
process, so they are frozen out of the collector's sight; and a page's rows,
alive until it is rendered, no longer climb the generations by the
collection of the youngest every 700 allocations (every page's worth of
rows made it to the oldest, whose collections then came often).
"""

import gc

# Allocations between collections of the youngest generation (Python's default: 700).
YOUNGEST = 50_000


def settle_after_startup() -> None:
    """Freeze what start-up made and collect the youngest less often (see the module)."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST, middle, oldest)
