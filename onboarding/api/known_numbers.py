"""Which municipality numbers the read model has, remembered once seen.

Every municipality route checks its number against the read model first, so
an unknown number never reaches Temporal. The check was a SQL read on a thread
per request, about a tenth of a transition's time in the API. A municipality's
row is never deleted (nothing recorded is), so a number found once is known
for good: only numbers not yet seen are read, and an unknown one is read
again each time (it may be registered since).
"""

import asyncio
import threading
import weakref

from sqlalchemy import Engine

from onboarding.domain.errors import UnknownMunicipality
from onboarding.store import queries

# Per engine (one per app, and tests make many): the numbers its rows hold.
_KNOWN: "weakref.WeakKeyDictionary[Engine, set[str]]" = weakref.WeakKeyDictionary()
_KNOWN_GUARD = threading.Lock()


async def require_known(engine: Engine, number: str) -> None:
    """Raise UnknownMunicipality unless the read model has the municipality."""
    with _KNOWN_GUARD:
        known = _KNOWN.setdefault(engine, set())
    if number in known:
        return
    # The query is synchronous: keep it off the event loop.
    row = await asyncio.to_thread(queries.get_municipality, engine, number=number)
    if row is None:
        raise UnknownMunicipality(number)
    known.add(number)
