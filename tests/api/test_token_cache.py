"""The API keeps an active token for a moment: revoked here it stops at once, elsewhere soon."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from onboarding.embedded.app import create_app
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.tokens import Role

LIST = "/api/municipalities"  # a route that needs a token and only SQL
# Cache time and token lifetime: long enough that a busy machine still makes the
# first requests within them (a check that ran too late says so, it never passes
# for the wrong reason); the change is then awaited with a deadline, not a sleep.
CACHE_SECONDS = 3.0
# How long after the cache time or expiry the 401 may take on a busy machine.
GRACE_SECONDS = 10.0


async def until_refused(http: httpx.AsyncClient, headers: dict[str, str], by: float) -> float:
    """Ask until the API answers 401; the monotonic time it did. Fails after `by`."""
    loop = asyncio.get_running_loop()
    while (await http.get(LIST, headers=headers)).status_code != 401:
        assert loop.time() < by, "the token was still accepted"
        await asyncio.sleep(0.05)
    return loop.time()


@contextlib.asynccontextmanager
async def open_api(engine: Engine, home: Path, seconds: float) -> AsyncIterator[httpx.AsyncClient]:
    """The API with `token_cache_seconds=seconds`, without Temporal (these routes read SQL)."""
    settings = Settings(home=home, token_cache_seconds=seconds)
    app = create_app(settings, client=object(), engine=engine)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http


def leaver(engine: Engine) -> tuple[int, dict[str, str]]:
    """A new viewer token: its id, and the headers that carry it."""
    token, secret = tokens.create_token(engine, name="leaver", role=Role.VIEWER)
    assert token.id is not None
    return token.id, {"Authorization": f"Bearer {secret}"}


def revoke_elsewhere(engine: Engine, token_id: int) -> None:
    """A revocation by another process: the row changes, this process is not told."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE api_token SET revoked_at = :now WHERE id = :id"),
            {"now": datetime.now(UTC), "id": token_id},
        )


async def test_a_revocation_elsewhere_reaches_the_api_within_the_cache_time(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    token_id, headers = leaver(sqlite_engine)
    loop = asyncio.get_running_loop()
    async with open_api(sqlite_engine, tmp_path, CACHE_SECONDS) as http:
        before_read = loop.time()
        assert (await http.get(LIST, headers=headers)).status_code == 200
        revoke_elsewhere(sqlite_engine, token_id)
        # Still kept: the API has not read the row again yet.
        assert (await http.get(LIST, headers=headers)).status_code == 200
        assert loop.time() - before_read < CACHE_SECONDS, "too slow to check the cache"
        refused = await until_refused(http, headers, by=loop.time() + CACHE_SECONDS + GRACE_SECONDS)
        # Not before the kept answer ran out (read at or after `before_read`).
        assert refused - before_read >= CACHE_SECONDS


def revoke_here(engine: Engine, token_id: int) -> None:
    tokens.revoke_token(engine, token_id=token_id)


@pytest.mark.parametrize(
    ("seconds", "revoke"),
    [(0, revoke_elsewhere), (60, revoke_here)],
    ids=["no-cache-time-revoked-elsewhere", "revoked-in-this-process"],
)
async def test_a_revocation_is_seen_at_once_without_a_cache_time_or_made_here(
    sqlite_engine: Engine,
    tmp_path: Path,
    seconds: float,
    revoke: Callable[[Engine, int], None],
) -> None:
    token_id, headers = leaver(sqlite_engine)
    async with open_api(sqlite_engine, tmp_path, seconds) as http:
        assert (await http.get(LIST, headers=headers)).status_code == 200
        revoke(sqlite_engine, token_id)
        assert (await http.get(LIST, headers=headers)).status_code == 401


async def test_a_kept_token_that_expires_stops_at_its_expiry(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    _, secret = tokens.create_token(
        sqlite_engine,
        name="temp",
        role=Role.VIEWER,
        expires_at=datetime.now(UTC) + timedelta(seconds=CACHE_SECONDS),
    )
    headers = {"Authorization": f"Bearer {secret}"}
    loop = asyncio.get_running_loop()
    expiry = loop.time() + CACHE_SECONDS
    async with open_api(sqlite_engine, tmp_path, 60) as http:
        assert (await http.get(LIST, headers=headers)).status_code == 200
        assert loop.time() < expiry, "too slow to use the token before its expiry"
        # Kept for a minute, yet refused once it expires.
        await until_refused(http, headers, by=expiry + GRACE_SECONDS)
