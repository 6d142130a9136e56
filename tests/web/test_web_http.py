"""The pages over HTTP without a browser: cookies' flags, security headers, the sign-in
form's CSRF token, and the line between page sessions and the API's bearer tokens.

Only routes that need no workflow are called here, so the app gets no Temporal client.
"""

import re

import httpx
from sqlalchemy import Engine

from onboarding.store import tokens
from onboarding.store.tokens import Role
from tests.helpers.web import sign_in_form


async def test_cookies_are_httponly_samesite_and_secure_over_https(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.VIEWER)
    form = await http.get("/signin")
    signin_cookie = form.headers["set-cookie"].lower()
    assert "httponly" in signin_cookie and "samesite=strict" in signin_cookie
    assert "secure" in signin_cookie
    response = await sign_in_form(http, secret, "/admin/users")
    assert response.status_code == 303 and response.headers["location"] == "/admin/users"
    session_cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("onb_session=")
    ).lower()
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie
    assert "secure" in session_cookie and "path=/" in session_cookie
    assert secret.lower() not in session_cookie


async def test_sign_in_needs_its_csrf_token(http: httpx.AsyncClient, sqlite_engine: Engine) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.ADMIN)
    await http.get("/signin")  # the cookie half, without the form half
    response = await http.post("/signin", data={"token": secret, "next": "/"})
    assert response.status_code == 403
    assert "onb_session" not in response.headers.get("set-cookie", "")


async def test_a_page_session_does_not_open_the_api(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.ADMIN)
    assert (await sign_in_form(http, secret)).status_code == 303
    assert (await http.get("/admin/users")).status_code == 200
    # The API stays bearer-only: a cookie alone (what a forged cross-site request has) is 401.
    assert (await http.get("/api/users")).status_code == 401
    ok = await http.get("/api/users", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200


async def test_pages_carry_security_headers(http: httpx.AsyncClient) -> None:
    page = await http.get("/signin")
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="' in page.text
    assert "content-security-policy" not in (await http.get("/api/health")).headers


async def test_signed_out_pages_send_to_sign_in_and_back(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    response = await http.get("/admin/notifications?status=failed")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/admin/notifications%3Fstatus%3Dfailed"
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.COORDINATOR)
    await sign_in_form(http, secret)
    # A coordinator is signed in but not an admin: a 403 page, in HTML.
    refused = await http.get("/admin/notifications")
    assert refused.status_code == 403 and "admin" in refused.text
    # An unknown municipality: a 404 page, before anything asks the workflow engine.
    missing = await http.get("/municipalities/0000")
    assert missing.status_code == 404 and "0000" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    # Signed in already: the sign-in page sends straight on.
    again = await http.get("/signin?next=/admin/users")
    assert again.status_code == 303 and again.headers["location"] == "/admin/users"


async def test_language_switch_sets_a_cookie_and_stays_on_the_site(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/language/en?next=/signin")
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert "onb_lang=en" in response.headers["set-cookie"]
    assert '<html lang="en"' in (await http.get("/signin")).text
    elsewhere = await http.get("/language/xx?next=https://evil.example/")
    assert elsewhere.headers["location"] == "/" and "set-cookie" not in elsewhere.headers
    http.cookies.set("onb_lang", "nb", domain="pages.test")
    assert "Logg inn" in (await http.get("/signin", headers={"Accept-Language": "en"})).text


async def test_the_process_pages_show_every_version_and_what_changed(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.VIEWER)
    await sign_in_form(http, secret)
    listed = await http.get("/processes", headers={"Accept-Language": "nb"})
    assert listed.status_code == 200
    assert 'data-version="municipality-1"' in listed.text
    assert 'data-version="municipality-2"' in listed.text
    page = await http.get("/processes/municipality/2", headers={"Accept-Language": "nb"})
    assert page.status_code == 200
    text = page.text
    # The diff from version 1, item by item, and version 2's own diagram and rules.
    assert 'data-change="stage:call_off_signed"' in text
    assert 'data-change="checklist:end_user_training_started"' in text
    assert 'data-change="rule:wave_stages"' in text and "Regel" in text
    assert 'data-stage="call_off_signed"' in text
    assert 'data-obligation="sign_call_off_agreement"' in text
    assert "Signer avropsavtale" in text and "Signert av" in text
    first = await http.get("/processes/municipality/1")
    assert first.status_code == 200
    assert 'id="diff-table"' not in first.text and 'data-stage="call_off_signed"' not in first.text
    missing = await http.get("/processes/municipality/9")
    assert missing.status_code == 404 and "9" in missing.text


async def test_the_process_pages_show_every_kind_of_party(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.VIEWER)
    await sign_in_form(http, secret)
    listed = (await http.get("/processes", headers={"Accept-Language": "nb"})).text
    # One table per kind, in the registry's order, each version a row.
    kinds = re.findall(r'<section class="card"[^>]* data-kind="(\w+)"', listed)
    assert kinds == ["municipality", "gp_office", "specialist", "hospital"]
    for heading in ("Kommuner", "Fastlegekontor", "Avtalespesialister", "Sykehus"):
        assert f">{heading}</h2>" in listed
    for version in ("gp_office-1", "specialist-1", "hospital-1"):
        assert f'data-version="{version}"' in listed
    assert listed.count("nye parter</span>") == 4
    specialist = await http.get("/processes/specialist/1", headers={"Accept-Language": "nb"})
    assert specialist.status_code == 200
    text = specialist.text
    assert "Avtalespesialist, versjon 1" in text and 'id="diff-table"' not in text
    assert 'data-stage="decision_postponed"' in text and "Tilby standardavtale" in text
    assert "Vilkårsversjon" in text  # terms_version, required for the offer
    assert 'data-obligation="sign_standard_agreement"' in text
    hospital = (await http.get("/processes/hospital/1", headers={"Accept-Language": "en"})).text
    assert 'data-stage="preparing"' in hospital and 'data-stage="declined"' not in hospital
    assert 'data-item="integrations_tested"' in hospital
