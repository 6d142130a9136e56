"""The authorization matrix (onboarding/access.py) against the routes that really exist.

Every operation of the OpenAPI document, every hidden API route and every page
has a rule, and every rule a route, so a new route without a rule fails here.
Then each role is sent to every route it may not call: 401 or 403, and nothing
in the database changed. A municipality token is sent to every route naming a
municipality, for a municipality outside its scope: 403 on every one.
"""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from onboarding.access import API_RULES, PAGE_RULES, Rule, decide
from onboarding.api.app import create_app
from onboarding.api.deps import enforce_access
from onboarding.api.routes import API_MODULES, API_PREFIX
from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page
from onboarding.settings import Settings
from onboarding.store import tokens
from onboarding.store.database import load_tables
from onboarding.store.tokens import STAFF_ROLES, Role
from onboarding.web.pages import PAGE_MODULES
from tests.test_api import Api, api  # noqa: F401

# A value for each path parameter (a real municipality number is put in per test).
PARAMETERS = {
    "item": "technical_infrastructure",
    "obligation_id": "exercise_option",
    "wave_id": "2025-sunnmore",
    "token_id": "1",
    "action": "decode",
    "trigger": "sign_collaboration",
    "language": "en",
}


def _routes(modules: Any, prefix: str) -> set[tuple[str, str]]:
    found = set()
    for module in modules:
        for route in module.router.routes:
            assert isinstance(route, APIRoute), route
            found.update((method, prefix + route.path) for method in route.methods)
    return found


def _operations(tmp_path: Path) -> set[tuple[str, str]]:
    document = create_app(Settings(home=tmp_path)).openapi()
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_operation_of_the_openapi_document_has_a_rule(tmp_path: Path) -> None:
    missing = sorted(_operations(tmp_path) - API_RULES.keys())
    assert not missing, f"routes without a rule in onboarding/access.py API_RULES: {missing}"


def test_every_api_route_has_a_rule_and_every_rule_a_route() -> None:
    routes = _routes(API_MODULES, API_PREFIX)
    assert routes - API_RULES.keys() == set(), "routes without a rule (hidden ones included)"
    assert API_RULES.keys() - routes == set(), "rules of routes that do not exist"


def test_every_page_has_a_rule_and_every_rule_a_page() -> None:
    pages = _routes(PAGE_MODULES, "")
    assert pages - PAGE_RULES.keys() == set(), "pages without a rule in PAGE_RULES"
    assert PAGE_RULES.keys() - pages == set(), "rules of pages that do not exist"


def test_the_municipality_role_is_beside_the_staff_ladder() -> None:
    assert not Role.VIEWER.covers(Role.MUNICIPALITY)
    assert not Role.ADMIN.covers(Role.MUNICIPALITY)
    assert not Role.MUNICIPALITY.covers(Role.VIEWER)
    assert Role.ADMIN.covers(Role.VIEWER) and Role.MUNICIPALITY.covers(Role.MUNICIPALITY)
    # No page lets a municipality token in, and it reads nothing of the region.
    assert not any(rule.own_municipality for rule in PAGE_RULES.values())
    for (method, path), rule in API_RULES.items():
        if "{number}" not in path and Role.MUNICIPALITY in rule.roles:
            assert (method, path) == ("GET", "/api/process"), "only the process is for everyone"


def test_decide_names_the_scope_or_the_roles() -> None:
    rule = Rule(frozenset({Role.COORDINATOR}), own_municipality=True)
    mine = frozenset({"5001", "5006"})
    assert decide(rule, role=Role.MUNICIPALITY, scope=mine, number="5006").allowed
    refusal = decide(rule, role=Role.MUNICIPALITY, scope=mine, number="1804")
    assert not refusal.allowed and "5001, 5006" in refusal.reason
    refusal = decide(rule, role=Role.VIEWER, scope=frozenset(), number="5001")
    assert not refusal.allowed and "coordinator" in refusal.reason


async def test_a_route_without_a_rule_is_refused(
    sqlite_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(home=tmp_path), client=object(), engine=sqlite_engine)  # type: ignore[arg-type]
    extra = APIRouter(prefix="/api", dependencies=[Depends(enforce_access)])

    @extra.get("/unruled")
    def unruled() -> dict[str, str]:
        return {"secret": "should never be served"}

    app.include_router(extra)
    _, secret = tokens.create_token(sqlite_engine, name="root", role=Role.ADMIN)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as http:
        with caplog.at_level("WARNING", logger="onboarding.security"):
            response = await http.get("/api/unruled", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and "no access rule" in response.json()["message"]
    assert any("no rule in the authorization matrix" in r.getMessage() for r in caplog.records)


# -- refusals over every route -------------------------------------------------------


def _table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: what "nothing changed" is checked against."""
    load_tables()
    with Session(engine) as session:
        return {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
            if name != "web_session"
        }


def _audit_total(engine: Engine) -> int:
    return len(audit_page(engine, AuditFilters(), limit=10_000).items)


def _path(template: str, number: str) -> str:
    values = {**PARAMETERS, "number": number}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


async def _call(harness: Api, method: str, path: str, secret: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    body = {} if method in {"POST", "PUT"} else None
    return await harness.http.request(method, path, json=body, headers=headers)


async def test_every_role_is_refused_outside_its_rights_and_nothing_changes(
    api: Api,  # noqa: F811
) -> None:
    own, other = await api.start(2)
    _, municipal = tokens.create_token(
        api.engine, name="Kommune", role=Role.MUNICIPALITY, scope=[own]
    )
    secrets = {**api.secrets, Role.MUNICIPALITY: municipal}
    counts, audit = _table_counts(api.engine), _audit_total(api.engine)
    refused = 0
    for method, template in sorted(API_RULES):
        rule = API_RULES[(method, template)]
        if method == "OPTIONS" or rule.public:
            continue
        path = _path(template, other)
        response = await _call(api, method, path, None)
        assert response.status_code == 401, (method, path, response.text)
        refused += 1
        for role in (*STAFF_ROLES, Role.MUNICIPALITY):
            number = other if "{number}" in template else None
            if decide(rule, role=role, scope=frozenset({own}), number=number).allowed:
                continue
            response = await _call(api, method, path, secrets[role])
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["error"] == "forbidden"
            refused += 1
    assert refused > 100
    assert _table_counts(api.engine) == counts
    assert _audit_total(api.engine) == audit


async def test_a_municipality_token_reaches_no_other_municipality_by_any_route(
    api: Api,  # noqa: F811
    tmp_path: Path,
) -> None:
    own, other = await api.start(2)
    _, secret = tokens.create_token(api.engine, name="Kommune", role=Role.MUNICIPALITY, scope=[own])
    counts = _table_counts(api.engine)
    by_number = sorted(op for op in _operations(tmp_path) if "{number}" in op[1])
    assert len(by_number) >= 15
    for method, template in by_number:
        response = await _call(api, method, _path(template, other), secret)
        assert response.status_code == 403, (method, template, response.text)
        if API_RULES[(method, template)].own_municipality:
            assert own in response.json()["message"]  # names the scope it has
    # Nor anything about the region as a whole.
    for method, template in sorted(_operations(tmp_path)):
        if "{number}" in template or not API_RULES[(method, template)].roles:
            continue
        if (method, template) == ("GET", "/api/process"):
            continue
        response = await _call(api, method, _path(template, own), secret)
        assert response.status_code == 403, (method, template, response.text)
    assert _table_counts(api.engine) == counts


async def test_a_municipality_token_reads_and_writes_its_own(api: Api) -> None:  # noqa: F811
    own, _ = await api.start(2)
    _, secret = tokens.create_token(
        api.engine, name="Kari i kommunen", role=Role.MUNICIPALITY, scope=[own]
    )
    for template, rule in sorted((path, r) for (m, path), r in API_RULES.items() if m == "GET"):
        if rule.own_municipality:
            response = await _call(api, "GET", _path(template, own), secret)
            assert response.status_code == 200, (template, response.text)
    contacts = [{"role": "municipality_contact", "name": "Kari", "email": "kari@kommune.no"}]
    response = await api.http.put(
        f"/api/municipalities/{own}/contacts",
        json=contacts,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text
    # The checklist: not refused for its role (the municipality is in no wave yet: 409).
    response = await _call(
        api, "POST", f"/api/municipalities/{own}/checklist/{PARAMETERS['item']}", secret
    )
    assert response.status_code not in (401, 403), response.text
    entries = audit_page(api.engine, AuditFilters(kinds=frozenset({"contact_change"}))).items
    assert [(e.municipality_number, e.actor.name, e.actor.role) for e in entries] == [
        (own, "Kari i kommunen", "municipality")
    ]
    assert entries[0].details["before"] == [] and entries[0].details["after"] == contacts


async def test_users_get_a_scope_through_the_api(api: Api) -> None:  # noqa: F811
    own, other = await api.start(2)
    response = await api.post(
        "/api/users",
        {"name": "Kommune", "role": "municipality", "scope": [other, own]},
        role=Role.ADMIN,
    )
    assert response.status_code == 201, response.text
    assert response.json()["scope"] == sorted([own, other])
    for body, field_name in (
        ({"name": "K", "role": "municipality"}, "scope"),
        ({"name": "K", "role": "municipality", "scope": ["9998"]}, "scope"),
        ({"name": "K", "role": "municipality", "scope": ["50x1"]}, "scope"),
        ({"name": "K", "role": "viewer", "scope": [own]}, "scope"),
    ):
        refused = await api.post("/api/users", body, role=Role.ADMIN)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field_name
    listed = (await api.get("/api/users", role=Role.ADMIN)).json()
    assert [u["scope"] for u in listed if u["role"] == "municipality"] == [sorted([own, other])]
