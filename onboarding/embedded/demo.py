"""`onboarding up --demo`: the demo region on a fresh data dir, loaded through the running API.

The loader gets a coordinator token of its own (named after the rollout's
actor, so every demo record says who recorded it), and an admin token of the
same name for the region's history (its reforms are an admin's); both may
backdate (the only tokens that ever may: the history counts as recorded on
the days it happened, each record marked as backdated), and both are revoked
once the region is loaded: no secret outlives the load.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from onboarding.demo.loader import CONCURRENCY, DemoLoaded, call
from onboarding.demo.open_work import record_open_work
from onboarding.demo.region_history import load_demo_history
from onboarding.demo.rollout import shipped_rollout
from onboarding.domain.calendar import oslo_date
from onboarding.domain.parties.region import shipped_plan
from onboarding.embedded.errors import NotFresh
from onboarding.store.tables.parties import AuditEventRow
from onboarding.store.tokens import Role, create_token, revoke_token

DEMO_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
# A history load applies a year's reforms through the engine.
HISTORY_TIMEOUT = httpx.Timeout(600.0, connect=5.0)


def ensure_empty_audit_log(engine: Engine) -> None:
    """Refuse --demo on a database that already has transitions (ONBOARDING_DATABASE_URL)."""
    with Session(engine) as session:
        recorded = session.exec(select(func.count()).select_from(AuditEventRow)).one()
    if recorded:
        raise NotFresh(
            f"--demo needs an empty database, and this one holds {recorded} transitions; "
            "point ONBOARDING_DATABASE_URL at a new database to load the demo region"
        )


async def load_demo_region(
    engine: Engine, *, api_url: str, say: Callable[[str], None]
) -> DemoLoaded:
    """Record the demo region through the API at `api_url`, with short-lived tokens.

    Through the region's history (demo/region_history.py): the municipalities
    of 2015 and every reform since on its date (an admin's token, for the
    history load), each fact on the party of its date (a coordinator's), and
    its GP offices, specialists and hospitals. Both tokens carry the
    rollout's actor name and are revoked once the region is loaded. Then the
    open work of the load day (open_work.py).
    """
    rollout = shipped_rollout()
    # Only these tokens may backdate (the history reads as recorded over the years).
    token, secret = create_token(
        engine, name=rollout.actor, role=Role.COORDINATOR, may_backdate=True
    )
    admin_token, admin_secret = create_token(
        engine, name=rollout.actor, role=Role.ADMIN, may_backdate=True
    )
    assert token.id is not None and admin_token.id is not None
    try:
        async with (
            _client(api_url, secret) as http,
            _client(api_url, admin_secret, timeout=HISTORY_TIMEOUT) as admin,
        ):
            loaded = await load_demo_history(http, admin, rollout, shipped_plan(), say=say)

            async def send(method: str, path: str, body: Any) -> Any:
                return await call(http, method, path, body)

            today = oslo_date(datetime.now(UTC))
            work = await record_open_work(send, today=today)
    finally:
        revoke_token(engine, token_id=token.id)
        revoke_token(engine, token_id=admin_token.id)
    others = f" and {loaded.parties} other parties" if loaded.parties else ""
    say(
        f"Loaded the demo region: {loaded.transitions} transitions of "
        f"{loaded.municipalities} municipalities{others}, {loaded.waves} waves "
        "(see docs/demo-region.md)."
    )
    say(
        f"Open work on {today}: {len(work.waves)} planned waves with {work.members} "
        f"members, {work.deadlines} deadline set, a wave of GP offices gone live "
        f"({work.notifications} messages in the outbox)."
    )
    return loaded


def _client(
    api_url: str, secret: str, *, timeout: httpx.Timeout = DEMO_TIMEOUT
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=api_url,
        headers={"Authorization": f"Bearer {secret}"},
        timeout=timeout,
        # Connections are reused only while idle for less than a second: on a busy
        # machine a pooled connection once sat idle past the server's keep-alive
        # (uvicorn's 5 s) while others waited on slow updates, and the next request
        # on it failed with ReadError as the server closed it.
        limits=httpx.Limits(max_keepalive_connections=CONCURRENCY, keepalive_expiry=1.0),
    )
