"""Single sign-on for the pages against a real OpenID provider (tests/helpers/oidc.py).

The provider runs on a loopback port; the app runs in-process (httpx) and talks
to the provider over HTTP as it would in production (discovery, the token
endpoint, the JWKS). Nothing of ours is mocked: a forged or expired ID token is
handed to the app by the provider's token endpoint itself (its `tamper` hook).
"""

import base64
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from onboarding.embedded.app import create_app
from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page
from onboarding.settings import Settings
from onboarding.sso.roles import person_of
from onboarding.store import queries
from onboarding.store.sessions import Timeouts, find_session
from onboarding.store.tables.access import SsoSignInRow, WebSessionRow
from onboarding.store.tokens import Role
from tests.helpers import Harness
from tests.helpers.oidc import OidcProvider, running_provider, sso_sign_in

ROLES = {
    "onb-viewers": "viewer",
    "onb-coordinators": "coordinator",
    "onb-admins": "admin",
    "kommune-5001": "municipality:5001",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider() as running:
        running.add_user("kari", name="Kari Nordmann", groups=["onb-coordinators"])
        running.add_user("ola", name="Ola Viewer", groups=["onb-viewers", "someone-else"])
        running.add_user("ada", name="Ada Admin", groups=["onb-viewers", "onb-admins"])
        running.add_user("per", name="Per Utenrolle", groups=["the-canteen"])
        running.add_user("kommune", name="Kommunal Kontakt", groups=["kommune-5001"])
        yield running


@pytest.fixture(autouse=True)
def no_tampering(provider: OidcProvider) -> Iterator[None]:
    yield
    provider.tamper = None
    provider.end_session = True


def sso_settings(home: Path, provider: OidcProvider, **more: Any) -> Settings:
    return Settings(
        home=home,
        oidc_issuer=provider.issuer,
        oidc_client_id="onboarding-pages",
        oidc_client_secret="a-client-secret-for-tests",
        oidc_roles=ROLES,
        **more,
    )


@pytest.fixture
async def pages(
    provider: OidcProvider, sqlite_engine: Engine, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with single sign-on, in-process over https, without a Temporal client."""
    app = create_app(
        sso_settings(tmp_path, provider),
        client=object(),  # type: ignore[arg-type]
        engine=sqlite_engine,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://pages.test") as http:
        yield http


def sessions(engine: Engine) -> list[WebSessionRow]:
    with Session(engine) as session:
        return list(session.exec(select(WebSessionRow)).all())


async def test_a_person_signs_in_through_the_provider_with_pkce_state_and_nonce(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    began = await pages.get("/signin/sso", params={"next": "/waves"})
    assert began.status_code == 303
    url = urlsplit(began.headers["location"])
    assert f"{url.scheme}://{url.netloc}" == provider.issuer
    query = parse_qs(url.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["onboarding-pages"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["https://pages.test/signin/sso/callback"]
    state_cookie = began.headers["set-cookie"]
    assert "HttpOnly" in state_cookie and "SameSite=lax" in state_cookie
    assert "Secure" in state_cookie

    async with httpx.AsyncClient() as at_provider:
        back = await provider.sign_in(at_provider, began.headers["location"], "kari")
    done = await pages.get(back)
    assert done.status_code == 303 and done.headers["location"] == "/waves"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("onb_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie

    home = await pages.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200
    assert "Kari Nordmann" in home.text and "coordinator" in home.text
    [row] = sessions(sqlite_engine)
    assert row.token_id is None and row.person_id == "person:kari"
    assert row.person_name == "Kari Nordmann" and row.person_role == "coordinator"
    assert provider.claims_of(row.id_token or "")["sub"] == "kari"
    # The pending sign-in is gone: the same callback never works twice.
    again = await pages.get(back)
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("sub", "role", "users_page"),
    [("ola", "viewer", 403), ("kari", "coordinator", 403), ("ada", "admin", 200)],
)
async def test_roles_come_from_the_groups_claim_the_highest_wins(
    pages: httpx.AsyncClient, provider: OidcProvider, sub: str, role: str, users_page: int
) -> None:
    done = await sso_sign_in(pages, provider, sub)
    assert done.status_code == 303
    home = await pages.get("/", headers={"Accept-Language": "en"})
    assert f'<span class="role-tag">{role}' in home.text
    assert (await pages.get("/admin/users")).status_code == users_page


async def test_a_person_whose_claims_map_to_no_role_gets_a_page_saying_so_and_nothing_else(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    done = await sso_sign_in(pages, provider, "per")
    assert done.status_code == 403
    assert "No role here" in done.text or "Ingen rolle her" in done.text
    assert "Per Utenrolle" in done.text
    assert "onb_session" not in pages.cookies
    assert sessions(sqlite_engine) == []
    assert 'action="/signout"' not in done.text and "/admin/" not in done.text
    assert (await pages.get("/")).status_code == 303


async def test_a_person_with_only_the_municipality_role_cannot_use_the_pages(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    done = await sso_sign_in(pages, provider, "kommune")
    assert done.status_code == 403
    assert "API" in done.text
    assert sessions(sqlite_engine) == []


def _payload_changed(id_token: str) -> str:
    """The token with a claim changed and the signature left as it was (a forgery)."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "ada"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _resigned(provider: OidcProvider, **changes: Any) -> Any:
    def tamper(answer: dict[str, Any]) -> dict[str, Any]:
        claims = {**provider.claims_of(answer["id_token"]), **changes}
        return {**answer, "id_token": provider.sign(claims)}

    return tamper


@pytest.mark.parametrize(
    "how",
    [
        "payload changed",
        "signed with a key not the provider's",
        "expired",
        "another audience",
        "another issuer",
        "another nonce",
    ],
)
async def test_an_id_token_that_does_not_hold_is_refused(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine, how: str
) -> None:
    now = int(time.time())
    if how == "payload changed":
        provider.tamper = lambda answer: {
            **answer,
            "id_token": _payload_changed(answer["id_token"]),
        }
    elif how == "signed with a key not the provider's":
        kid = provider.storage.jwk.as_dict()["kid"]
        foreign = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)

        def tamper(answer: dict[str, Any]) -> dict[str, Any]:
            claims = provider.claims_of(answer["id_token"])
            return {**answer, "id_token": provider.sign(claims, key=foreign)}

        provider.tamper = tamper
    elif how == "expired":
        provider.tamper = _resigned(provider, iat=now - 3600, exp=now - 600)
    elif how == "another audience":
        provider.tamper = _resigned(provider, aud="another-app")
    elif how == "another issuer":
        provider.tamper = _resigned(provider, iss="https://login.example.org")
    else:
        provider.tamper = _resigned(provider, nonce="not-the-one-we-sent")
    done = await sso_sign_in(pages, provider, "kari")
    assert done.status_code == 401, done.text[:300]
    assert "onb_session" not in pages.cookies
    assert sessions(sqlite_engine) == []


async def test_a_state_that_does_not_match_this_browser_is_refused(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    began = await pages.get("/signin/sso")
    async with httpx.AsyncClient() as at_provider:
        back = await provider.sign_in(at_provider, began.headers["location"], "kari")
    url = urlsplit(back)
    query = parse_qs(url.query)
    wrong = await pages.get(
        "/signin/sso/callback", params={"code": query["code"][0], "state": "forged-state"}
    )
    assert wrong.status_code == 400
    # Another browser (an attacker's link with their own code): no state cookie there.
    transport = pages._transport  # the same app
    async with httpx.AsyncClient(transport=transport, base_url="https://pages.test") as other:
        assert (await other.get(back)).status_code == 400
    assert sessions(sqlite_engine) == []
    # The browser that began it still can (the refusals took nothing away).
    assert (await pages.get(back)).status_code == 303


async def test_a_refusal_at_the_provider_opens_no_session(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    began = await pages.get("/signin/sso")
    async with httpx.AsyncClient() as at_provider:
        denied = await at_provider.post(began.headers["location"], data={"action": "deny"})
    assert denied.status_code in (302, 303)
    done = await pages.get(denied.headers["location"])
    # This provider leaves the state out of its refusal, so it fails the state check first.
    assert done.status_code in (400, 401)
    assert "identity provider" in done.text or "identitetsleverandøren" in done.text
    assert sessions(sqlite_engine) == []


async def test_sign_out_ends_the_session_here_and_at_the_provider(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    await sso_sign_in(pages, provider, "kari")
    home = await pages.get("/")
    csrf = CSRF.search(home.text)
    assert csrf
    cookie = pages.cookies["onb_session"]
    out = await pages.post("/signout", data={"csrf_token": csrf.group(1)})
    assert out.status_code == 303
    url = urlsplit(out.headers["location"])
    assert f"{url.scheme}://{url.netloc}" == provider.issuer
    query = parse_qs(url.query)
    assert provider.claims_of(query["id_token_hint"][0])["sub"] == "kari"
    assert query["post_logout_redirect_uri"] == ["https://pages.test/signin"]
    [row] = sessions(sqlite_engine)
    assert row.ended_at is not None
    # The old cookie opens nothing.
    pages.cookies.set("onb_session", cookie)
    assert (await pages.get("/")).status_code == 303
    # At the provider: its confirmation sends the browser back to our sign-in page.
    async with httpx.AsyncClient() as at_provider:
        form = await at_provider.get(out.headers["location"])
        assert form.status_code == 200
        redirect = re.search(r'name="redirect_uri" value="([^"]+)"', form.text)
        assert redirect
        confirmed = await at_provider.post(
            f"{provider.issuer}/oauth2/end_session/confirm",
            data={"redirect_uri": redirect.group(1).replace("&amp;", "&")},
        )
    assert confirmed.status_code == 302
    assert confirmed.headers["location"].startswith("https://pages.test/signin")


async def test_sign_out_ends_the_session_here_where_the_provider_has_no_end_session(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    provider.end_session = False
    await sso_sign_in(pages, provider, "kari")
    csrf = CSRF.search((await pages.get("/")).text)
    assert csrf
    out = await pages.post("/signout", data={"csrf_token": csrf.group(1)})
    assert (out.status_code, out.headers["location"]) == (303, "/signin")
    [row] = sessions(sqlite_engine)
    assert row.ended_at is not None
    assert (await pages.get("/")).status_code == 303


async def test_a_rotated_signing_key_is_fetched_from_the_jwks(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    assert (await sso_sign_in(pages, provider, "kari")).status_code == 303
    provider.rotate()
    pages.cookies.clear()
    assert (await sso_sign_in(pages, provider, "ada")).status_code == 303
    people = sorted(row.person_id or "" for row in sessions(sqlite_engine))
    assert people == ["person:ada", "person:kari"]


async def test_a_persons_session_ends_when_idle_or_too_old(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    await sso_sign_in(pages, provider, "kari")
    session_id = pages.cookies["onb_session"]
    timeouts = Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    now = datetime.now(UTC)
    assert find_session(sqlite_engine, session_id=session_id, timeouts=timeouts, now=now)
    # Seen every 20 minutes: never idle, but over after 12 hours.
    for step in range(1, 36):  # up to 11 h 40 min
        moment = now + step * timedelta(minutes=20)
        seen = find_session(sqlite_engine, session_id=session_id, timeouts=timeouts, now=moment)
        assert seen is not None
    late = now + timedelta(hours=12, minutes=1)
    assert find_session(sqlite_engine, session_id=session_id, timeouts=timeouts, now=late) is None
    await sso_sign_in(pages, provider, "ola")
    idle = datetime.now(UTC) + timedelta(minutes=31)
    other = pages.cookies["onb_session"]
    assert find_session(sqlite_engine, session_id=other, timeouts=timeouts, now=idle) is None


async def test_the_sign_in_page_offers_sso_or_says_how_to_turn_it_on(
    pages: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    on = await pages.get("/signin?next=/waves", headers={"Accept-Language": "en"})
    assert 'href="/signin/sso?next=/waves"' in on.text or "/signin/sso?next=%2Fwaves" in on.text
    off = await http.get("/signin", headers={"Accept-Language": "en"})
    assert "ONBOARDING_OIDC_ISSUER" in off.text and "docs/sso.md" in off.text
    assert (await http.get("/signin/sso")).headers["location"] == "/signin"


async def test_stale_sign_ins_under_way_are_forgotten(
    pages: httpx.AsyncClient, provider: OidcProvider, sqlite_engine: Engine
) -> None:
    began = await pages.get("/signin/sso")
    with Session(sqlite_engine) as session:
        row = session.exec(select(SsoSignInRow)).one()
        row.created_at = datetime.now(UTC) - timedelta(minutes=11)
        session.add(row)
        session.commit()
    async with httpx.AsyncClient() as at_provider:
        back = await provider.sign_in(at_provider, began.headers["location"], "kari")
    assert (await pages.get(back)).status_code == 400
    with Session(sqlite_engine) as session:
        assert session.exec(select(func.count()).select_from(SsoSignInRow)).one() == 0


def test_settings_name_what_is_missing_or_not_allowed(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ONBOARDING_OIDC_CLIENT_ID go together"):
        Settings(home=tmp_path, oidc_issuer="https://login.example.org")
    with pytest.raises(ValidationError, match="ONBOARDING_OIDC_ROLES is required"):
        Settings(home=tmp_path, oidc_issuer="https://idp.test", oidc_client_id="x")
    for wrong in ("superuser", "municipality:", "municipality:50011", "municipality:gp-1"):
        with pytest.raises(ValidationError, match="allowed: viewer, coordinator, admin"):
            Settings(
                home=tmp_path,
                oidc_issuer="https://idp.test",
                oidc_client_id="x",
                oidc_roles={"g": wrong},
            )
    # A scope names municipalities or other parties, as a token's scope does.
    scoped = Settings(
        home=tmp_path,
        oidc_issuer="https://idp.test",
        oidc_client_id="x",
        oidc_roles={"g": "municipality:5001, gp-923609016,hospital-974749025"},
    )
    person = person_of({"sub": "s", "groups": ["g"]}, scoped)
    assert person is not None and person.role is Role.MUNICIPALITY
    assert person.scope == {"5001", "gp-923609016", "hospital-974749025"}
    with pytest.raises(ValidationError, match="ONBOARDING_OIDC_ISSUER must be an https"):
        Settings(
            home=tmp_path,
            mode="production",
            encryption_keys="k1:" + base64.b64encode(b"k" * 32).decode(),
            temporal_tls=True,
            oidc_issuer="http://idp.test",
            oidc_client_id="x",
            oidc_roles={"g": "admin"},
        )


async def test_the_audit_log_names_the_person_who_acted_through_the_pages(
    provider: OidcProvider, harness: Harness, tmp_path: Path
) -> None:
    settings = sso_settings(tmp_path, provider, task_queue=harness.task_queue)
    app = create_app(settings, client=harness.client, engine=harness.engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        harness.worker(),
        httpx.AsyncClient(transport=transport, base_url="https://pages.test") as pages,
    ):
        municipality, _ = await harness.start()
        await sso_sign_in(pages, provider, "kari")
        path = f"/municipalities/{municipality.number}/transitions/sign_collaboration"
        form = await pages.get(path)
        csrf = CSRF.search(form.text)
        assert csrf, form.text[:300]
        body = {
            "effective_on": "2017-03-15",
            "evidence.agreement_version": "2017",
            "evidence.document_ref": "ARK-2017/0042",
        }
        # A person's session guards its forms as a token's does: no or another CSRF token,
        # nothing recorded.
        for refused in (body, {**body, "csrf_token": "forged"}):
            answer = await pages.post(path, data=refused)
            assert answer.status_code == 403 and "CSRF" in answer.text
        assert queries.history(harness.engine, number=municipality.number) == []
        done = await pages.post(path, data={**body, "csrf_token": csrf.group(1)})
        assert done.status_code == 303, done.text[:500]
    page = audit_page(harness.engine, AuditFilters(municipality=municipality.number))
    [entry] = [item for item in page.items if item.actor.role != "system"]
    assert (entry.actor.id, entry.actor.name, entry.actor.role) == (
        "person:kari",
        "Kari Nordmann",
        "coordinator",
    )
