"""Old municipality numbers in addresses: a renumbered municipality's numbers keep working.

A party's id never changes; a reform may give a municipality a new number
(#20). An address that names a 4-digit number which is no party's id
(`/api/municipalities/5061/...`, `/parties/5061`, and so every CLI command
that takes a number) is resolved through `party_identifier`: the party the
number names today, else the party it last named. The API serves that party
at once (the path is rewritten before routing, so the access rules judge the
party itself); a page answers a redirect (308) to the party's own address.
A number that resolves to nothing (or to several parties) goes on unchanged
and is answered as an unknown municipality.

Plain ASGI, as the other middlewares (response_watcher.py): a party id seen
once is known for good (rows are never deleted), so a known id costs no SQL.
"""

import asyncio
import re
import threading
import weakref
from datetime import UTC, datetime

from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from onboarding.domain.calendar import oslo_date
from onboarding.store import queries
from onboarding.store.identifiers import MUNICIPALITY_NUMBER, resolve

_ADDRESS = re.compile(
    r"^(?P<prefix>(?:/api)?/(?:municipalities|parties)/)(?P<number>[0-9]{4})(?P<rest>/.*)?$"
)
_KNOWN: "weakref.WeakKeyDictionary[Engine, set[str]]" = weakref.WeakKeyDictionary()
_KNOWN_GUARD = threading.Lock()


def _known(engine: Engine) -> set[str]:
    """The party ids seen so far on `engine`'s database."""
    with _KNOWN_GUARD:
        return _KNOWN.setdefault(engine, set())


def party_of_number(engine: Engine, number: str) -> str | None:
    """The party id an address's number stands for: itself if it is an id, else the party
    it names today, else the one it last named; None if it names no party (or several)."""
    known = _known(engine)
    if number in known:
        return number
    if queries.get_municipality(engine, number=number) is not None:
        known.add(number)
        return number
    today = oslo_date(datetime.now(UTC))
    found = (
        resolve(engine, MUNICIPALITY_NUMBER, number, on=today)
        or resolve(engine, MUNICIPALITY_NUMBER, number)[:1]
    )
    return found[0] if len(found) == 1 else None


class RenumberedPaths:
    """Serve (API) or redirect to (pages) the party an old number names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root: str = scope.get("root_path", "")
        path: str = scope["path"]
        local = path[len(root) :] if root and path.startswith(root) else path
        match = _ADDRESS.match(local)
        engine: Engine | None = getattr(scope["app"].state, "engine", None) if match else None
        if match is None or engine is None:
            await self.app(scope, receive, send)
            return
        number = match["number"]
        # A known id (every request on a party's own address after its first) is
        # answered here, without the thread hop the SQL lookup needs.
        if number in _known(engine):
            await self.app(scope, receive, send)
            return
        party = await asyncio.to_thread(party_of_number, engine, number)
        if party is None or party == number:
            await self.app(scope, receive, send)
            return
        moved = f"{root}{match['prefix']}{party}{match['rest'] or ''}"
        if not match["prefix"].startswith("/api") and scope["method"] in ("GET", "HEAD"):
            query = scope.get("query_string", b"").decode("latin-1")
            location = moved + (f"?{query}" if query else "")
            await send(
                {
                    "type": "http.response.start",
                    "status": 308,
                    "headers": [(b"location", location.encode("latin-1"))],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app({**scope, "path": moved, "raw_path": moved.encode("latin-1")}, receive, send)
