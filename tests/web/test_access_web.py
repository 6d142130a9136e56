"""Access at the pages' edge: who may sign in, how often one may fail, and the codec
endpoint reached with an admin's page session (the Temporal UI calls it from the
browser with credentials).
"""

import base64
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.embedded.app import create_app
from onboarding.gateway.codec import EncryptionCodec, configured_key_ring
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.store.tokens import Role
from onboarding.web.signin_limit import ATTEMPTS, SignInLimiter
from tests.helpers.codec import SECRET_TEXT, UI, as_json, plain

NUMBER = "5001"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(sqlite_engine: Engine, tmp_path: Path) -> FastAPI:
    with Session(sqlite_engine) as session:
        session.add(
            MunicipalityRow(
                number=NUMBER,
                name="Trondheim",
                county="Trøndelag",
                health_trust="St. Olavs hospital",
                stage="prospective",
                workflow_id=f"municipality-{NUMBER}",
                run_id="r",
                updated_at=datetime.now(UTC),
            )
        )
        session.commit()
    settings = Settings(home=tmp_path, temporal_ui_url=UI)
    return create_app(settings, client=object(), engine=sqlite_engine)  # type: ignore[arg-type]


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://pages.test", headers={"Accept-Language": "en"}
    ) as client:
        yield client


async def _sign_in(http: httpx.AsyncClient, secret: str) -> httpx.Response:
    form = await http.get("/signin")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match
    return await http.post("/signin", data={"csrf_token": match.group(1), "token": secret})


async def test_a_municipality_token_cannot_sign_in_to_the_pages_and_is_told_why(
    http: httpx.AsyncClient, sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _, secret = tokens.create_token(
        sqlite_engine, name="Kommune", role=Role.MUNICIPALITY, scope=[NUMBER]
    )
    with caplog.at_level(logging.WARNING, logger="onboarding.security"):
        response = await _sign_in(http, secret)
    assert response.status_code == 403
    assert "pages are for the program" in response.text and "through the API" in response.text
    assert "onb_session" not in response.headers.get("set-cookie", "")
    # Not even its own municipality's page: there is no session.
    assert (await http.get(f"/municipalities/{NUMBER}")).status_code == 303
    logged = [r.getMessage() for r in caplog.records if r.name == "onboarding.security"]
    assert any("municipality token cannot sign in" in line for line in logged)
    assert all(secret not in line for line in logged)


async def test_failed_sign_ins_are_logged_and_limited_per_address(
    app: FastAPI, http: httpx.AsyncClient, sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    app.state.signin_limiter = SignInLimiter(clock=clock)
    _, good = tokens.create_token(sqlite_engine, name="Kari", role=Role.ADMIN)
    wrong = "onb_guessed-" + "x" * 30
    with caplog.at_level(logging.WARNING, logger="onboarding.security"):
        for _ in range(ATTEMPTS):
            assert (await _sign_in(http, wrong)).status_code == 401
            clock.now += 1
        limited = await _sign_in(http, good)  # even the right token waits its turn
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) == 60 - ATTEMPTS
    assert "Too many sign-in attempts" in limited.text
    assert "onb_session" not in limited.headers.get("set-cookie", "")
    logged = [r.getMessage() for r in caplog.records if r.name == "onboarding.security"]
    assert sum("sign-in with an unknown" in line for line in logged) == ATTEMPTS
    assert any("too many failed sign-ins" in line for line in logged)
    assert all(wrong not in line and good not in line for line in logged)
    # Once the window has passed, the right token signs in.
    clock.now += 60
    assert (await _sign_in(http, good)).status_code == 303


def test_the_limiter_counts_per_address_in_a_sliding_window() -> None:
    clock = Clock()
    limiter = SignInLimiter(attempts=2, window=10, clock=clock)
    limiter.failed("a")
    clock.now += 4
    limiter.failed("a")
    assert limiter.retry_after("a") == 6 and limiter.retry_after("b") is None
    clock.now += 6
    assert limiter.retry_after("a") is None  # the first failure left the window


async def test_the_codec_takes_an_admins_page_session(
    http: httpx.AsyncClient, sqlite_engine: Engine, tmp_path: Path
) -> None:
    codec = EncryptionCodec(configured_key_ring(Settings(home=tmp_path)))
    (sealed,) = await codec.encode([plain(SECRET_TEXT)])
    body = {"payloads": [as_json(sealed)]}
    _, admin = tokens.create_token(sqlite_engine, name="Kari", role=Role.ADMIN)
    assert (await _sign_in(http, admin)).status_code == 303
    response = await http.post("/api/codec/decode", json=body, headers={"Origin": UI})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-credentials"] == "true"
    (decoded,) = response.json()["payloads"]
    assert SECRET_TEXT in base64.b64decode(decoded["data"]).decode()
    # The session opens the codec only, not the rest of the API.
    assert (await http.get("/api/users")).status_code == 401
    # Signed out, the cookie is worth nothing.
    stale = http.cookies.get("onb_session")
    page = await http.get("/admin/users")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    await http.post("/signout", data={"csrf_token": csrf.group(1)})
    assert stale is not None
    http.cookies.set("onb_session", stale)
    assert (await http.post("/api/codec/decode", json=body)).status_code == 401


async def test_the_codec_refuses_a_coordinators_page_session(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Per", role=Role.COORDINATOR)
    assert (await _sign_in(http, secret)).status_code == 303
    response = await http.post("/api/codec/decode", json={"payloads": []})
    assert response.status_code == 403 and "admin" in response.json()["message"]


async def test_an_admin_creates_a_municipality_token_on_the_users_page(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _, admin = tokens.create_token(sqlite_engine, name="Kari", role=Role.ADMIN)
    assert (await _sign_in(http, admin)).status_code == 303
    page = await http.get("/admin/users")
    assert 'name="scope"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    form = {"csrf_token": csrf.group(1), "name": "Trondheim kommune", "role": "municipality"}
    missing = await http.post("/admin/users", data=form)
    assert missing.status_code == 422 and "municipality numbers" in missing.text
    created = await http.post("/admin/users", data={**form, "scope": NUMBER})
    assert created.status_code == 201, created.text
    [token] = [t for t in tokens.list_tokens(sqlite_engine) if t.role == "municipality"]
    assert tokens.scope_of(token) == {NUMBER}
    assert f"({NUMBER})" in (await http.get("/admin/users")).text


async def test_the_dev_servers_ui_decodes_on_its_secret_path_without_a_token(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, temporal_ui_url=UI)
    app = create_app(settings, client=object(), engine=sqlite_engine, ui_codec_secret="s3cret")  # type: ignore[arg-type]
    codec = EncryptionCodec(configured_key_ring(settings))
    (sealed,) = await codec.encode([plain(SECRET_TEXT)])
    body = {"payloads": [as_json(sealed)]}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as http:
        preflight = await http.options(
            "/api/codec/ui/s3cret/decode",
            headers={"Origin": UI, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == UI
        response = await http.post("/api/codec/ui/s3cret/decode", json=body, headers={"Origin": UI})
        assert response.status_code == 200, response.text
        assert response.headers["access-control-allow-origin"] == UI
        (decoded,) = response.json()["payloads"]
        assert SECRET_TEXT in base64.b64decode(decoded["data"]).decode()
        # Another secret, or none: not there; the token-guarded codec is unchanged.
        assert (await http.post("/api/codec/ui/s3cres/decode", json=body)).status_code == 404
        assert (await http.post("/api/codec/ui//decode", json=body)).status_code in (404, 405)
        assert (await http.post("/api/codec/decode", json=body)).status_code == 401
        # Another origin gets no CORS headers, so a browser page elsewhere cannot read it.
        other = await http.post(
            "/api/codec/ui/s3cret/decode", json=body, headers={"Origin": "http://evil.test"}
        )
        assert "access-control-allow-origin" not in other.headers
