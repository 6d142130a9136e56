"""The API keeps an active token for a moment: revoked here it stops at once, elsewhere soon."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from onboarding.api.app import create_app
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.tokens import Role

LIST = "/api/municipalities"  # a route that needs a token and only SQL


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
    async with open_api(sqlite_engine, tmp_path, 0.5) as http:
        assert (await http.get(LIST, headers=headers)).status_code == 200
        revoke_elsewhere(sqlite_engine, token_id)
        # Still kept: the API has not read the row again yet.
        assert (await http.get(LIST, headers=headers)).status_code == 200
        await asyncio.sleep(0.6)
        assert (await http.get(LIST, headers=headers)).status_code == 401


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
        expires_at=datetime.now(UTC) + timedelta(seconds=0.5),
    )
    headers = {"Authorization": f"Bearer {secret}"}
    async with open_api(sqlite_engine, tmp_path, 60) as http:
        assert (await http.get(LIST, headers=headers)).status_code == 200
        await asyncio.sleep(0.6)
        assert (await http.get(LIST, headers=headers)).status_code == 401
