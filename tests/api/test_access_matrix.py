"""Every route and every page against a hand-written table of who may call it.

The expectations (tests/helpers/access_expectations.py) are written from what the
docs promise (docs/access-control.md, docs/api.md, docs/web.md), not read
from onboarding/access.py: this file tests that table of rules instead of
repeating it. For every route of the running app
and every principal (no token, expired, revoked, viewer, coordinator, admin,
a municipality token in scope and one out of scope) a well-formed request is
sent, its state prepared first (a municipality in a suitable stage, a wave, a
token to revoke, a valid body):

- allowed: the route's success status (never 401, 403, 404, 422 or 500), and,
  for a write, a row added to each table its row names (the audit table of
  that write: audit_event, correction, deadline_change, contact_change,
  checklist_completion, wave_event, token_event, ...);
- refused: 401 (no, expired or revoked token) or 403 (role or scope); for the
  pages, a request without a live session is sent to the sign-in page (303)
  instead of 401; and no row of any table changed.

A route or page without a row in the table fails, as does a row naming a
route that does not exist. One app, one worker and one time-skipping server
serve every cell of a surface; the failures are collected and reported
together. A prepared request nobody used up (a refused one, or a read) serves
the next principal, so a write's state is prepared only after it was used.

The pages' matrix runs twice: with browsers signed in by token, and with
browsers signed in through a real OpenID provider (tests/helpers/oidc.py),
each principal a person whose group maps to its role (`expired`: a session
past its absolute timeout, `revoked`: one ended; the municipality principals
are refused at sign-in).

Below the matrix: an admin's page session cookie opens the codec and no other
API route, and the rules' own machinery (deny by default, the refusal's
reason, scopes on tokens).
"""

import asyncio
import dataclasses
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, SQLModel, col

from onboarding.access import Rule, decide
from onboarding.api.deps import enforce_access
from onboarding.domain.calendar import oslo_date, today_in_oslo
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.municipality import Municipality
from onboarding.domain.party import PartyKind
from onboarding.domain.region_history import shipped_history
from onboarding.domain.region_history.parties import HistoryPlan
from onboarding.embedded.app import create_app
from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page
from onboarding.settings import Settings
from onboarding.store import queries, tokens
from onboarding.store.database import load_tables
from onboarding.store.tables.access import ApiTokenRow, WebSessionRow
from onboarding.store.tokens import Role
from onboarding.web.signin_limit import SignInLimiter
from tests.helpers.access_expectations import (
    API,
    COOKIE_ROUTES,
    EVERYONE,
    PAGES,
    PRINCIPALS,
    Expect,
)
from tests.helpers.api import AUTUMN, EXERCISE, SIGN, SPRING, Api, fresh_number, wave_body
from tests.helpers.oidc import running_provider, sso_sign_in
from tests.helpers.parties import csv_file, gp_office

ITEMS = [item.value for item in ChecklistItemId]
UNAUTHENTICATED = ("none", "expired", "revoked")
MUNICIPALITY_PRINCIPALS = ("municipality_in", "municipality_out")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# -- the routes the app really has ------------------------------------------------------


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[Any, str]]:
    """(route, full path) of every route, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        else:
            # path_format: the template as documented ({number}, not {number:party}).
            yield route, prefix + getattr(route, "path_format", route.path)


def app_routes(app: FastAPI) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The API's (method, path) and the pages' (method, path), as the app serves them.

    HEAD beside GET is Starlette's automatic answer, not a route of its own; the
    static files are a mount (no access rule: they are the same for everyone).
    """
    api_side: set[tuple[str, str]] = set()
    pages: set[tuple[str, str]] = set()
    for route, path in _walk(app.routes):
        methods = set(getattr(route, "methods", None) or ())
        if not methods:  # the /static mount
            continue
        if "GET" in methods:
            methods.discard("HEAD")
        module = getattr(getattr(route, "endpoint", None), "__module__", "")
        side = pages if module.startswith("onboarding.web") else api_side
        side.update((method, path) for method in methods)
    return api_side, pages


def test_every_route_and_page_has_a_row_and_every_row_a_route(tmp_path: Path) -> None:
    served_api, served_pages = app_routes(create_app(Settings(home=tmp_path)))
    assert len(served_api) >= 50 and len(served_pages) >= 30
    assert sorted(served_api - API.keys()) == [], "API routes without a row in the table"
    assert sorted(API.keys() - served_api) == [], "rows of API routes that do not exist"
    assert sorted(served_pages - PAGES.keys()) == [], "pages without a row in the table"
    assert sorted(PAGES.keys() - served_pages) == [], "rows of pages that do not exist"


def test_the_table_names_only_known_principals() -> None:
    for expect in (*API.values(), *PAGES.values()):
        assert expect.allowed <= set(PRINCIPALS)
        assert expect.success and expect.success <= {200, 201, 202, 204, 303}
        assert expect.writes <= table_names(), expect.writes - table_names()
    # Whatever lets in someone without a token lets in everyone (it is public).
    for expect in (*API.values(), *PAGES.values()):
        assert not expect.allowed & {"none", "expired", "revoked"} or expect.allowed == EVERYONE
    # The municipality role never reaches the pages but the public ones.
    for (_, path), expect in PAGES.items():
        assert not expect.allowed & set(MUNICIPALITY_PRINCIPALS) or path in {
            "/signin",
            "/signin/sso",
            "/signin/sso/callback",
            "/language/{language}",
        }


# -- counting every row of every table ---------------------------------------------------


def table_names() -> set[str]:
    load_tables()
    return {table.name for table in SQLModel.metadata.sorted_tables}


def table_counts(engine: Engine) -> dict[str, int]:
    load_tables()
    with Session(engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before.get(name, 0), n) for name, n in after.items() if before.get(name) != n}


async def settle(engine: Engine, limit: float = 3.0) -> dict[str, int]:
    """The row counts once they stop moving (workflows write the read model a moment later)."""
    deadline = time.monotonic() + limit
    counts = table_counts(engine)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.03)
        again = table_counts(engine)
        if again == counts:
            return counts
        counts = again
    return counts


async def written(
    engine: Engine, before: dict[str, int], tables: frozenset[str], limit: float = 10.0
) -> dict[str, tuple[int, int]]:
    """The tables of `tables` that gained no row since `before` (waiting for the workflows)."""
    deadline = time.monotonic() + limit
    while True:
        after = table_counts(engine)
        missing = {
            name: (before[name], after[name]) for name in tables if after[name] <= before[name]
        }
        if not missing or time.monotonic() > deadline:
            await settle(engine)
            return missing
        await asyncio.sleep(0.03)


# -- the world the requests act on ---------------------------------------------------------


@dataclass
class Call:
    """One well-formed request. `number`: the municipality it is about (a scope's subject)."""

    method: str
    path: str
    json: Any = None
    params: dict[str, str] | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    number: str | None = None
    content: bytes | None = None
    scope: str | None = None  # the municipality_in token's scope, if not `number` itself


@dataclass
class World:
    """Shared parties and a way to make fresh ones; every preparing write is done before
    the cell's snapshot, as a coordinator (or directly in the store)."""

    api: Api
    pool: list[str] = field(default_factory=list)
    own: str = ""  # optioned and a member of `wave`: the municipality every read is about
    office: str = ""  # a GP office of `own`: what the party routes' reads are about
    migration: str = ""  # a finished migration run (of a party of its own)
    reform: str = ""  # a recorded reform (a party of its own joined the catchment area)
    other: str = ""  # the municipality_out token's scope
    signed: str = ""  # collaboration_signed: its exercise_option deadline is open
    wave: str = ""
    wave2: str = ""
    region: list[Municipality] = field(default_factory=list)
    counter: int = 0
    items: list[tuple[str, str]] = field(default_factory=list)
    municipal: dict[str, str] = field(default_factory=dict)
    principal_secrets: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.api.engine

    def next(self) -> int:
        self.counter += 1
        return self.counter

    async def fresh(self, *moves: dict[str, Any]) -> str:
        if not self.pool:
            self.pool = await self.api.start(10)
        number = self.pool.pop()
        for body in moves:
            await self.api.move(number, body)
        return number

    async def member(self, wave_id: str) -> str:
        number = await self.fresh(SIGN, EXERCISE)
        response = await self.api.post(f"/api/waves/{wave_id}/members", {"number": number})
        assert response.status_code == 200, response.text
        return number

    async def new_wave(self) -> str:
        body = wave_body()
        response = await self.api.post("/api/waves", body)
        assert response.status_code == 201, response.text
        return str(body["id"])

    async def open_item(self) -> tuple[str, str]:
        """A wave member and a checklist item of it not done yet (each handed out once)."""
        if not self.items:
            number = await self.member(self.wave)
            self.items = [(number, item) for item in reversed(ITEMS)]
        return self.items.pop()

    def deadline(self) -> str:
        return (today_in_oslo() + timedelta(days=60 + self.next())).isoformat()

    async def event_id(self, number: str) -> int:
        response = await self.api.get(f"/api/municipalities/{number}/timeline?kind=transition")
        assert response.status_code == 200, response.text
        return int(response.json()[-1]["details"]["event_id"])

    def new_token(self, role: Role = Role.VIEWER) -> int:
        token, _ = tokens.create_token(self.engine, name=f"to revoke {self.next()}", role=role)
        assert token.id is not None
        return token.id

    def municipality_secret(self, number: str) -> str:
        if number not in self.municipal:
            _, secret = tokens.create_token(
                self.engine, name=f"kommune {number}", role=Role.MUNICIPALITY, scope=[number]
            )
            self.municipal[number] = secret
        return self.municipal[number]

    def api_secret(self, principal: str, call: Call) -> str | None:
        """The bearer secret a principal sends (None: no header)."""
        if principal == "none":
            return None
        if principal in ("viewer", "coordinator", "admin"):
            return self.api.secrets[Role(principal)]
        if principal == "municipality_in":
            return self.municipality_secret(call.scope or call.number or self.own)
        if principal == "municipality_out":
            return self.municipality_secret(self.other)
        return self.principal_secrets[principal]


def _migration(w: World, number: str) -> dict[str, Any]:
    plan = {"id": f"matrix-{uuid.uuid4().hex[:8]}", "to_version": 2, "reason": "matrix"}
    return {"plan": plan, "selection": {"numbers": [number]}}


async def _migrate(w: World) -> Call:
    # A party of its own (version 1), moved to version 2 by the admin's call.
    return Call("POST", "/api/migrations", json=_migration(w, await w.fresh()))


async def finished_migration(w: World) -> str:
    body = _migration(w, await w.fresh())
    started = await w.api.http.post("/api/migrations", json=body, headers=w.api.auth(Role.ADMIN))
    assert started.status_code == 202, started.text
    run = body["plan"]["id"]
    for _ in range(600):
        progress = await w.api.http.get(
            f"/api/migrations/{run}/progress", headers=w.api.auth(Role.ADMIN)
        )
        if progress.json()["finished"]:
            return str(run)
        await asyncio.sleep(0.05)
    raise AssertionError(f"migration {run} did not finish")


def _reform(number: str) -> dict[str, Any]:
    return {
        "id": f"matrix-{uuid.uuid4().hex[:8]}",
        "kind": "joined",
        "effective_on": oslo_date(datetime.now(UTC)).isoformat(),
        "parties": [number],
        "evidence": {"document_ref": "matrix"},
    }


async def _record_reform(w: World) -> Call:
    # A party of its own joins the catchment area by the admin's call.
    return Call("POST", "/api/reforms", json=_reform(await w.fresh()))


async def recorded_reform(w: World) -> str:
    body = _reform(await w.fresh())
    done = await w.api.http.post("/api/reforms", json=body, headers=w.api.auth(Role.ADMIN))
    assert done.status_code == 201, done.text
    return str(body["id"])


async def make_world(api: Api) -> World:
    world = World(api)
    world.pool = await api.start(40)
    world.other = await world.fresh()
    world.signed = await world.fresh(SIGN)
    world.wave = await world.new_wave()
    world.wave2 = await world.new_wave()
    world.own = await world.member(world.wave)
    registered = await api.post("/api/parties", gp_office(world.own))
    assert registered.status_code == 201, registered.text
    world.office = registered.json()["number"]
    api.started.append(world.office)
    world.migration = await finished_migration(world)
    world.reform = await recorded_reform(world)
    _, expired = tokens.create_token(
        api.engine,
        name="expired admin",
        role=Role.ADMIN,
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )
    # Revoked the way an admin does it, through the API, after it was used (so this API
    # process has it in its token cache): refused at once all the same.
    revoked_token, revoked = tokens.create_token(api.engine, name="revoked admin", role=Role.ADMIN)
    used = await api.http.get("/api/users", headers={"Authorization": f"Bearer {revoked}"})
    assert used.status_code == 200, used.text
    gone = await api.http.delete(f"/api/users/{revoked_token.id}", headers=api.auth(Role.ADMIN))
    assert gone.status_code == 200, gone.text
    world.principal_secrets = {"expired": expired, "revoked": revoked}
    return world


Factory = Callable[[World], Awaitable[Call]]


def fixed(call: Callable[[World], Call]) -> Factory:
    async def make(world: World) -> Call:
        return call(world)

    return make


# -- a well-formed request per API route ---------------------------------------------------

M = "/api/municipalities/{number}"
P = "/api/parties/{number}"


def _office(path: str) -> Factory:
    """A read of the GP office of `own`; municipality_in's token is scoped to `own` itself:
    a municipality's scope covers its GP offices (docs/parties.md)."""
    return fixed(lambda w: Call("GET", path.format(number=w.office), number=w.office, scope=w.own))


async def _office_contacts(w: World) -> Call:
    # municipality_in's token is scoped to the office itself: it writes the office's list.
    body = [{"role": "municipality_contact", "name": f"Lege {w.next()}", "email": "lege@k.no"}]
    return Call("PUT", f"/api/parties/{w.office}/contacts", json=body, number=w.office)


def _own(path: str, **kwargs: Any) -> Factory:
    return fixed(lambda w: Call("GET", path.format(number=w.own), number=w.own, **kwargs))


async def _contacts(w: World) -> Call:
    body = [{"role": "municipality_contact", "name": f"Kari {w.next()}", "email": "kari@k.no"}]
    return Call("PUT", f"/api/municipalities/{w.own}/contacts", json=body, number=w.own)


async def _checklist(w: World) -> Call:
    number, item = await w.open_item()
    body = {"evidence": {"document_ref": f"{item}-report"}}
    return Call("POST", f"/api/municipalities/{number}/checklist/{item}", json=body, number=number)


async def _checklist_items(w: World) -> Call:
    number, item = await w.open_item()
    body = {"items": [{"item": item, "evidence": {"document_ref": f"{item}-report"}}]}
    return Call("POST", f"/api/municipalities/{number}/checklist", json=body, number=number)


async def _transition(w: World) -> Call:
    number = await w.fresh()
    return Call("POST", f"/api/municipalities/{number}/transitions", json=SIGN, number=number)


async def _correction(w: World) -> Call:
    number = await w.fresh(SIGN)
    body = {
        "event_id": await w.event_id(number),
        "effective_on": "2017-03-16",
        "reason": "the minutes say the 16th",
    }
    return Call("POST", f"/api/municipalities/{number}/corrections", json=body, number=number)


async def _deadline(w: World) -> Call:
    body = {"deadline": w.deadline(), "reason": "the program's option date"}
    path = f"/api/municipalities/{w.signed}/obligations/exercise_option"
    return Call("PUT", path, json=body, number=w.signed)


async def _program_contacts(w: World) -> Call:
    body = [{"role": "program_coordinator", "name": f"Per {w.next()}", "email": "per@hnt.no"}]
    return Call("PUT", "/api/program/contacts", json=body)


async def _bulk_transitions(w: World) -> Call:
    return Call("POST", "/api/bulk/transitions", json={**SIGN, "numbers": [await w.fresh()]})


async def _bulk_deadlines(w: World) -> Call:
    body = {
        "numbers": [w.signed],
        "obligation_id": "exercise_option",
        "deadline": w.deadline(),
        "reason": "the program's option date",
    }
    return Call("POST", "/api/bulk/deadlines", json=body)


async def _add_member(w: World) -> Call:
    number = await w.fresh(SIGN, EXERCISE)
    return Call("POST", f"/api/waves/{w.wave}/members", json={"number": number})


async def _remove_member(w: World) -> Call:
    number = await w.member(w.wave)
    path = f"/api/waves/{w.wave}/members/{number}"
    return Call("DELETE", path, params={"reason": "the council withdrew"}, number=number)


async def _reschedule(w: World) -> Call:
    body = {"go_live_at": AUTUMN, "reason": "the hospital moved"}
    return Call("POST", f"/api/waves/{await w.new_wave()}/reschedule", json=body)


async def _decision(w: World) -> Call:
    body = {"decision": "approve", "evidence": {"document_ref": "go-no-go-minutes"}}
    return Call("POST", f"/api/waves/{await w.new_wave()}/decision", json=body)


async def _revoke(w: World) -> Call:
    return Call("DELETE", f"/api/users/{w.new_token()}")


async def _region(w: World) -> Call:
    number = fresh_number()
    w.api.started.append(number)
    w.region[:] = [
        Municipality(number=number, name=f"Lastby {number}", county="Trøndelag", health_trust="X")
    ]
    return Call("POST", "/api/region/load")


def _history_of(w: World) -> HistoryPlan:
    """A history whose first day is the world's municipalities (so the load fits the read
    model) and one made-up one, and no reform."""
    registered = [
        Municipality(number=r.number, name=r.name, county=r.county, health_trust=r.health_trust)
        for r in queries.list_parties(w.engine, kind=PartyKind.MUNICIPALITY)
    ]
    return HistoryPlan(shipped_history(), (*registered, *w.region), (), (), {}, {})


async def _history(w: World) -> Call:
    # The loaded history: one made-up municipality of its first day and no reform (the
    # world fixture points the route at w.region); the real one is tests/gateway's.
    await _region(w)
    return Call("POST", "/api/region/history/load", json={"through": "2015-12-31"})


async def _register(w: World) -> Call:
    return Call("POST", "/api/parties", json=gp_office(w.own))


async def _import(w: World) -> Call:
    content = csv_file(gp_office(w.own), gp_office(w.other)).encode()
    return Call(
        "POST", "/api/parties/import", content=content, headers={"Content-Type": "text/csv"}
    )


def as_party(factory: Factory) -> Factory:
    """The municipality route's request, sent to the same route of the party (its id)."""

    async def make(world: World) -> Call:
        call = await factory(world)
        path = call.path.replace("/api/municipalities/", "/api/parties/", 1)
        return dataclasses.replace(call, path=path)

    return make


UI_CODEC_SECRET = "per-start-secret"

API_CALLS: dict[tuple[str, str], Factory] = {
    ("GET", "/api/health"): fixed(lambda w: Call("GET", "/api/health")),
    ("GET", "/api/health/ready"): fixed(lambda w: Call("GET", "/api/health/ready")),
    ("GET", "/metrics"): fixed(lambda w: Call("GET", "/metrics")),
    ("GET", "/openapi.json"): fixed(lambda w: Call("GET", "/openapi.json")),
    ("GET", "/docs"): fixed(lambda w: Call("GET", "/docs")),
    ("GET", "/api/process"): fixed(lambda w: Call("GET", "/api/process")),
    ("GET", "/api/processes"): fixed(lambda w: Call("GET", "/api/processes")),
    ("GET", "/api/processes/{key}/{version}"): fixed(
        lambda w: Call("GET", "/api/processes/municipality/2")
    ),
    ("GET", "/api/processes/{key}/{version}/diff"): fixed(
        lambda w: Call("GET", "/api/processes/municipality/2/diff")
    ),
    ("GET", M): _own(M),
    ("GET", f"{M}/history"): _own(f"{M}/history"),
    ("GET", f"{M}/timeline"): _own(f"{M}/timeline"),
    ("GET", f"{M}/obligations"): _own(f"{M}/obligations"),
    ("GET", f"{M}/deadline-changes"): _own(f"{M}/deadline-changes"),
    ("GET", f"{M}/checklist"): _own(f"{M}/checklist"),
    ("GET", f"{M}/waves"): _own(f"{M}/waves"),
    ("GET", f"{M}/contacts"): _own(f"{M}/contacts"),
    ("PUT", f"{M}/contacts"): _contacts,
    ("POST", f"{M}/checklist"): _checklist_items,
    ("POST", f"{M}/checklist/{{item}}"): _checklist,
    ("POST", f"{M}/transitions"): _transition,
    ("POST", f"{M}/corrections"): _correction,
    ("PUT", f"{M}/obligations/{{obligation_id}}"): _deadline,
    ("GET", f"{M}/engine"): _own(f"{M}/engine"),
    ("GET", f"{M}/engine/history"): _own(f"{M}/engine/history"),
    ("GET", "/api/municipalities"): fixed(lambda w: Call("GET", "/api/municipalities")),
    ("GET", "/api/parties"): fixed(lambda w: Call("GET", "/api/parties")),
    ("POST", "/api/parties"): _register,
    ("POST", "/api/parties/import"): _import,
    ("GET", "/api/program/contacts"): fixed(lambda w: Call("GET", "/api/program/contacts")),
    ("PUT", "/api/program/contacts"): _program_contacts,
    ("POST", "/api/bulk/transitions"): _bulk_transitions,
    ("POST", "/api/bulk/deadlines"): _bulk_deadlines,
    ("GET", "/api/reports/funnel"): fixed(lambda w: Call("GET", "/api/reports/funnel")),
    ("GET", "/api/reports/stages"): fixed(lambda w: Call("GET", "/api/reports/stages")),
    ("GET", "/api/reports/milestones"): fixed(
        lambda w: Call("GET", "/api/reports/milestones", params={"from": "2017-01-01"})
    ),
    ("GET", "/api/reports/coverage"): fixed(lambda w: Call("GET", "/api/reports/coverage")),
    ("GET", "/api/reports/overdue"): fixed(lambda w: Call("GET", "/api/reports/overdue")),
    ("GET", "/api/reports/blockers"): fixed(lambda w: Call("GET", "/api/reports/blockers")),
    ("GET", "/api/worklist"): fixed(lambda w: Call("GET", "/api/worklist")),
    ("GET", "/api/notifications"): fixed(lambda w: Call("GET", "/api/notifications")),
    ("GET", "/api/waves"): fixed(lambda w: Call("GET", "/api/waves")),
    ("POST", "/api/waves"): fixed(lambda w: Call("POST", "/api/waves", json=wave_body())),
    ("GET", "/api/waves/{wave_id}"): fixed(lambda w: Call("GET", f"/api/waves/{w.wave}")),
    ("POST", "/api/waves/{wave_id}/members"): _add_member,
    ("DELETE", "/api/waves/{wave_id}/members/{number}"): _remove_member,
    ("POST", "/api/waves/{wave_id}/reschedule"): _reschedule,
    ("POST", "/api/waves/{wave_id}/decision"): _decision,
    ("GET", "/api/waves/{wave_id}/blockers"): fixed(
        lambda w: Call("GET", f"/api/waves/{w.wave}/blockers")
    ),
    ("GET", "/api/users"): fixed(lambda w: Call("GET", "/api/users")),
    ("POST", "/api/users"): fixed(
        lambda w: Call("POST", "/api/users", json={"name": f"Ny {w.next()}", "role": "viewer"})
    ),
    ("DELETE", "/api/users/{token_id}"): _revoke,
    ("POST", "/api/region/load"): _region,
    ("POST", "/api/region/history/load"): _history,
    ("POST", "/api/migrations/dry-run"): fixed(
        lambda w: Call("POST", "/api/migrations/dry-run", json=_migration(w, w.signed))
    ),
    ("POST", "/api/migrations"): _migrate,
    ("GET", "/api/migrations/{migration_id}/progress"): fixed(
        lambda w: Call("GET", f"/api/migrations/{w.migration}/progress")
    ),
    ("POST", "/api/migrations/{migration_id}/pause"): fixed(
        lambda w: Call("POST", f"/api/migrations/{w.migration}/pause")
    ),
    ("POST", "/api/migrations/{migration_id}/resume"): fixed(
        lambda w: Call("POST", f"/api/migrations/{w.migration}/resume")
    ),
    ("GET", "/api/migrations/{migration_id}/effects"): fixed(
        lambda w: Call("GET", f"/api/migrations/{w.migration}/effects")
    ),
    ("POST", "/api/reforms/dry-run"): fixed(
        lambda w: Call("POST", "/api/reforms/dry-run", json=_reform(w.signed))
    ),
    ("POST", "/api/reforms"): _record_reform,
    ("GET", "/api/reforms"): fixed(lambda w: Call("GET", "/api/reforms")),
    ("GET", "/api/reforms/{reform_id}"): fixed(lambda w: Call("GET", f"/api/reforms/{w.reform}")),
    ("POST", "/api/reconcile"): fixed(
        lambda w: Call("POST", "/api/reconcile", params={"dry_run": "true"})
    ),
    ("GET", "/api/audit"): fixed(lambda w: Call("GET", "/api/audit")),
    ("GET", "/api/audit/export"): fixed(
        lambda w: Call("GET", "/api/audit/export", params={"format": "csv"})
    ),
    ("POST", "/api/codec/{action}"): fixed(
        lambda w: Call("POST", "/api/codec/decode", json={"payloads": []})
    ),
    ("OPTIONS", "/api/codec/{action}"): fixed(
        lambda w: Call(
            "OPTIONS",
            "/api/codec/decode",
            headers={"Origin": "http://ui.test", "Access-Control-Request-Method": "POST"},
        )
    ),
    # The dev server UI's path, with the secret the app was given (`world`).
    ("POST", "/api/codec/ui/{secret}/{action}"): fixed(
        lambda w: Call("POST", f"/api/codec/ui/{UI_CODEC_SECRET}/decode", json={"payloads": []})
    ),
    ("OPTIONS", "/api/codec/ui/{secret}/{action}"): fixed(
        lambda w: Call(
            "OPTIONS",
            f"/api/codec/ui/{UI_CODEC_SECRET}/decode",
            headers={"Origin": "http://ui.test", "Access-Control-Request-Method": "POST"},
        )
    ),
}


# The party routes: the municipality route's request, at the party's path; the reads and the
# contacts of a GP office (the writes of a process need a municipality's road and wave).
API_CALLS.update(
    {
        (method, P + path.removeprefix(M)): as_party(factory)
        for (method, path), factory in list(API_CALLS.items())
        if path == M or path.startswith(M + "/")
    }
)
API_CALLS.update(
    {
        ("GET", path): _office(path)
        for method, path in list(API_CALLS)
        if method == "GET" and (path == P or path.startswith(P + "/"))
    }
)
API_CALLS[("PUT", f"{P}/contacts")] = _office_contacts


def test_every_api_row_has_a_request() -> None:
    assert API.keys() == API_CALLS.keys()


# -- running the cells ------------------------------------------------------------------------


@dataclass
class Outcome:
    cells: int = 0
    allowed: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)


# Prepares what a principal needs for a call (its token, its session: rows written
# before the snapshot) and answers the request that sends it.
Send = Callable[[str, Call], Awaitable[Callable[[], Awaitable[httpx.Response]]]]


async def run_cells(
    world: World,
    table: dict[tuple[str, str], Expect],
    factories: dict[tuple[str, str], Factory],
    send: Send,
    refused_status: Callable[[str, httpx.Response], bool],
) -> Outcome:
    """Every (route, principal) cell: prepare, snapshot, send, judge."""
    outcome = Outcome()
    for key in sorted(table):
        expect = table[key]
        spare: Call | None = None  # a prepared request nobody used up (refused, or a read)
        for principal in PRINCIPALS:
            outcome.cells += 1
            label = f"{key[0]} {key[1]} as {principal}"
            try:
                if spare is None:
                    spare = await factories[key](world)
                    await settle(world.engine)
                call = spare
                request = await send(principal, call)
                before = table_counts(world.engine)
                response = await request()
                allowed = principal in expect.allowed
                if allowed:
                    outcome.allowed += 1
                    if response.status_code not in expect.success:
                        outcome.failures.append(
                            f"ALLOWED {label}: {call.method} {call.path} -> "
                            f"{response.status_code} {response.text[:300]!r}"
                        )
                        spare = None
                        continue
                    if expect.writes:
                        spare = None
                        missing = await written(world.engine, before, expect.writes)
                        if missing:
                            outcome.failures.append(f"ALLOWED {label}: no row added to {missing}")
                    continue
                outcome.refused += 1
                after = table_counts(world.engine)
                if not refused_status(principal, response):
                    outcome.failures.append(
                        f"REFUSED {label}: {call.method} {call.path} -> "
                        f"{response.status_code} {response.text[:300]!r}"
                    )
                    spare = None
                elif after != before:
                    # Refused, yet a row moved: a workflow still writing for an earlier cell,
                    # or this request. Once things are quiet, the request again tells which.
                    await settle(world.engine)
                    request = await send(principal, call)
                    before = table_counts(world.engine)
                    await request()
                    after = table_counts(world.engine)
                if after != before:
                    outcome.failures.append(
                        f"REFUSED {label}: rows changed {changed(before, after)}"
                    )
                    spare = None
                    await settle(world.engine)
            except Exception as err:  # noqa: BLE001 - one broken cell must not hide the rest
                outcome.failures.append(f"ERROR {label}: {type(err).__name__}: {err}")
                spare = None
    return outcome


def report(outcome: Outcome, what: str) -> str:
    lines = "\n".join(outcome.failures)
    return (
        f"{len(outcome.failures)} of {outcome.cells} {what} cells failed "
        f"({outcome.allowed} allowed, {outcome.refused} refused):\n{lines}"
    )


@pytest.fixture
async def world(api: Api, monkeypatch: pytest.MonkeyPatch) -> World:
    made = await make_world(api)
    # Loading "the shipped region" loads one made-up municipality per request: the real
    # 67 would collide with other tests' workflow ids and cost minutes.
    monkeypatch.setattr("onboarding.api.routes.region.shipped_region", lambda: list(made.region))
    monkeypatch.setattr("onboarding.api.routes.region.shipped_plan", lambda: _history_of(made))
    api.app.state.signin_limiter = SignInLimiter(attempts=1_000_000)
    # As `onboarding up` opens it for the dev server's UI (onboarding/api/routes/codec.py).
    api.app.state.ui_codec_secret = UI_CODEC_SECRET
    return made


async def test_every_api_cell_gets_what_the_table_promises(world: World) -> None:
    async def send(principal: str, call: Call) -> Callable[[], Awaitable[httpx.Response]]:
        secret = world.api_secret(principal, call)
        headers = {**call.headers, **({"Authorization": f"Bearer {secret}"} if secret else {})}
        return lambda: world.api.http.request(
            call.method,
            call.path,
            json=call.json,
            params=call.params,
            headers=headers,
            content=call.content,
        )

    def refused(principal: str, response: httpx.Response) -> bool:
        expected = 401 if principal in UNAUTHENTICATED else 403
        return response.status_code == expected

    outcome = await run_cells(world, API, API_CALLS, send, refused)
    assert outcome.cells == len(API) * len(PRINCIPALS)
    assert not outcome.failures, report(outcome, "API")


# -- pages ---------------------------------------------------------------------------------


def _page(path: Callable[[World], str]) -> Factory:
    return fixed(lambda w: Call("GET", path(w)))


def _form(method_path: Callable[[World], str], data: Callable[[World], dict[str, str]]) -> Factory:
    return fixed(lambda w: Call("POST", method_path(w), data=data(w)))


async def _page_transition(w: World) -> Call:
    number = await w.fresh()
    data = {
        "effective_on": str(SIGN["effective_on"]),
        "evidence.agreement_version": "2017",
        "evidence.document_ref": "ARK-2017/0042",
    }
    return Call("POST", f"/municipalities/{number}/transitions/sign_collaboration", data=data)


async def _page_deadline(w: World) -> Call:
    data = {"deadline": w.deadline(), "reason": "the program's option date"}
    return Call("POST", f"/municipalities/{w.signed}/obligations/exercise_option", data=data)


async def _page_contacts(w: World) -> Call:
    data = {
        "rows": "1",
        "[0].role": "municipality_contact",
        "[0].name": f"Kari {w.next()}",
        "[0].email": "kari@k.no",
    }
    return Call("POST", f"/municipalities/{w.own}/contacts", data=data)


async def _page_checklist_form(w: World) -> Call:
    number, item = await w.open_item()
    return Call("GET", f"/municipalities/{number}/checklist/{item}")


async def _page_checklist(w: World) -> Call:
    number, item = await w.open_item()
    data = {"done_on": today_in_oslo().isoformat(), "evidence.document_ref": f"{item}-report"}
    return Call("POST", f"/municipalities/{number}/checklist/{item}", data=data)


async def _page_correction_form(w: World) -> Call:
    return Call("GET", f"/municipalities/{w.signed}/corrections/{await w.event_id(w.signed)}")


async def _page_correction(w: World) -> Call:
    number = await w.fresh(SIGN)
    data = {
        "effective_on": "2017-03-16",
        "evidence.agreement_version": "2017",
        "evidence.document_ref": "ARK-2017/0042",
        "reason": "the minutes say the 16th",
    }
    path = f"/municipalities/{number}/corrections/{await w.event_id(number)}"
    return Call("POST", path, data=data)


async def _page_add(w: World) -> Call:
    number = await w.fresh(SIGN, EXERCISE)
    return Call("POST", f"/waves/{w.wave}/members", data={"number": number, "reason": ""})


async def _page_move(w: World) -> Call:
    number = await w.member(w.wave)
    data = {"number": number, "to_wave": w.wave2, "reason": "postponed half a year"}
    return Call("POST", f"/waves/{w.wave}/move", data=data)


async def _page_remove(w: World) -> Call:
    number = await w.member(w.wave)
    data = {"number": number, "reason": "the council withdrew"}
    return Call("POST", f"/waves/{w.wave}/remove", data=data)


async def _page_reschedule(w: World) -> Call:
    data = {"go_live_at": AUTUMN[:16], "reason": "the hospital moved"}
    return Call("POST", f"/waves/{await w.new_wave()}/reschedule", data=data)


async def _page_decision(w: World) -> Call:
    data = {"decision": "approve", "evidence.document_ref": "go-no-go-minutes"}
    return Call("POST", f"/waves/{await w.new_wave()}/decision", data=data)


async def _page_create_wave(w: World) -> Call:
    body = wave_body()
    data = {"id": body["id"], "name": body["name"], "go_live_at": SPRING[:16]}
    return Call("POST", "/waves", data=data)


async def _page_revoke(w: World) -> Call:
    return Call("POST", f"/admin/users/{w.new_token()}/revoke", data={})


PAGE_CALLS: dict[tuple[str, str], Factory] = {
    ("GET", "/signin"): _page(lambda w: "/signin"),
    ("POST", "/signin"): _form(lambda w: "/signin", lambda w: {}),  # see PageSessions.send
    ("POST", "/signout"): _form(lambda w: "/signout", lambda w: {}),
    ("GET", "/signin/sso"): _page(lambda w: "/signin/sso"),
    ("GET", "/signin/sso/callback"): _page(lambda w: "/signin/sso/callback"),
    ("GET", "/language/{language}"): _page(lambda w: "/language/en"),
    ("GET", "/"): _page(lambda w: "/"),
    ("GET", "/municipalities/{number}"): _page(lambda w: f"/municipalities/{w.own}"),
    ("GET", "/municipalities/{number}/transitions/{trigger}"): _page(
        lambda w: f"/municipalities/{w.own}/transitions/start_preparation"
    ),
    ("POST", "/municipalities/{number}/transitions/{trigger}"): _page_transition,
    ("GET", "/municipalities/{number}/obligations/{obligation_id}"): _page(
        lambda w: f"/municipalities/{w.signed}/obligations/exercise_option"
    ),
    ("POST", "/municipalities/{number}/obligations/{obligation_id}"): _page_deadline,
    ("GET", "/municipalities/{number}/contacts"): _page(
        lambda w: f"/municipalities/{w.own}/contacts"
    ),
    ("POST", "/municipalities/{number}/contacts"): _page_contacts,
    ("GET", "/municipalities/{number}/checklist/{item}"): _page_checklist_form,
    ("POST", "/municipalities/{number}/checklist/{item}"): _page_checklist,
    ("GET", "/municipalities/{number}/corrections/{event_id}"): _page_correction_form,
    ("POST", "/municipalities/{number}/corrections/{event_id}"): _page_correction,
    ("GET", "/municipalities/{number}/engine"): _page(lambda w: f"/municipalities/{w.own}/engine"),
    ("GET", "/waves"): _page(lambda w: "/waves"),
    ("GET", "/worklist"): _page(lambda w: "/worklist"),
    ("GET", "/dashboard"): _page(lambda w: "/dashboard"),
    ("GET", "/processes"): _page(lambda w: "/processes"),
    ("GET", "/processes/{key}/{version}"): _page(lambda w: "/processes/municipality/2"),
    ("POST", "/waves"): _page_create_wave,
    ("GET", "/waves/{wave_id}"): _page(lambda w: f"/waves/{w.wave}"),
    ("POST", "/waves/{wave_id}/members"): _page_add,
    ("POST", "/waves/{wave_id}/move"): _page_move,
    ("POST", "/waves/{wave_id}/remove"): _page_remove,
    ("POST", "/waves/{wave_id}/reschedule"): _page_reschedule,
    ("POST", "/waves/{wave_id}/decision"): _page_decision,
    ("GET", "/admin/users"): _page(lambda w: "/admin/users"),
    ("POST", "/admin/users"): _form(
        lambda w: "/admin/users", lambda w: {"name": f"Ny {w.next()}", "role": "viewer"}
    ),
    ("POST", "/admin/users/{token_id}/revoke"): _page_revoke,
    ("GET", "/admin/notifications"): _page(lambda w: "/admin/notifications"),
    ("GET", "/admin/audit"): _page(lambda w: "/admin/audit"),
    ("GET", "/admin/audit/export"): _page(lambda w: "/admin/audit/export?format=csv"),
    ("GET", "/parties"): _page(lambda w: "/parties?kind=municipality"),
}


def _at_party_address(factory: Factory) -> Factory:
    """The same request at /parties/{id}/..., which serves a municipality as it serves
    every kind of party (onboarding/web/party_paths.py: one handler, two addresses)."""

    async def make(world: World) -> Call:
        call = await factory(world)
        return replace(call, path=call.path.replace("/municipalities/", "/parties/", 1))

    return make


PAGE_CALLS.update(
    {
        (method, path.replace("/municipalities/", "/parties/", 1)): _at_party_address(factory)
        for (method, path), factory in list(PAGE_CALLS.items())
        if path.startswith("/municipalities/")
    }
)


def test_every_page_row_has_a_request() -> None:
    assert PAGES.keys() == PAGE_CALLS.keys()


@dataclass
class Browser:
    """One page client: its cookies, and the CSRF token of its session (if any)."""

    http: httpx.AsyncClient
    csrf: str = "no-session"


class PageSessions:
    """A signed-in browser per principal (none and the municipality tokens: none at all)."""

    def __init__(self, world: World, stack: list[httpx.AsyncClient]) -> None:
        self.world = world
        self.stack = stack
        self.browsers: dict[str, Browser] = {}
        self.failures: list[str] = []
        self.used: dict[str, str] = {}  # the token each principal signed in with

    def client(self) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.world.api.app),
            base_url="http://pages.test",
            headers={"Accept-Language": "en"},
        )
        self.stack.append(http)
        return http

    async def sign_in(self, http: httpx.AsyncClient, secret: str) -> httpx.Response:
        form = await http.get("/signin")
        match = CSRF.search(form.text)
        assert match, form.text[:300]
        return await http.post("/signin", data={"csrf_token": match.group(1), "token": secret})

    def secret(self, principal: str) -> str:
        if principal == "none":
            return ""
        if principal in ("expired", "revoked"):
            # Signs in while good; ended below by expiry or revocation.
            return tokens.create_token(self.world.engine, name=principal, role=Role.ADMIN)[1]
        return self.world.api_secret(principal, Call("GET", "/", number=self.world.own)) or ""

    async def browser(self, principal: str, *, fresh: bool = False) -> Browser:
        if not fresh and principal in self.browsers:
            return self.browsers[principal]
        browser = Browser(self.client())
        if principal != "none":
            signed = await self.signed_in(browser.http, principal)
            if principal in MUNICIPALITY_PRINCIPALS:
                if signed.status_code != 403 or "onb_session" in browser.http.cookies:
                    self.failures.append(f"SIGN-IN {principal}: {signed.status_code}")
            else:
                assert signed.status_code == 303, (principal, signed.text[:300])
                home = await browser.http.get("/")
                match = CSRF.search(home.text)
                assert match, (principal, home.status_code, home.text[:300])
                browser.csrf = match.group(1)
                if principal in ("expired", "revoked"):
                    self.end(browser.http, principal)
        if not fresh:
            self.browsers[principal] = browser
        return browser

    async def signed_in(self, http: httpx.AsyncClient, principal: str) -> httpx.Response:
        """Sign `http` in as `principal`: here with its token."""
        self.used[principal] = secret = self.secret(principal)
        return await self.sign_in(http, secret)

    def end(self, http: httpx.AsyncClient, principal: str) -> None:
        """Once signed in, make the session of `expired` or `revoked` so: here, its token."""
        secret = self.used[principal]
        if principal == "expired":
            with Session(self.world.engine) as session:
                session.execute(
                    update(ApiTokenRow)
                    .where(col(ApiTokenRow.token_hash) == tokens.hash_secret(secret))
                    .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
                )
                session.commit()
        else:
            token = tokens.find_active_token(self.world.engine, secret=secret)
            assert token is not None and token.id is not None
            tokens.revoke_token(self.world.engine, token_id=token.id)

    async def send(self, principal: str, call: Call) -> Callable[[], Awaitable[httpx.Response]]:
        if call.path == "/signin" and call.method == "POST":
            # The sign-in form, filled in with the principal's own token, from a new browser.
            http = self.client()
            form = await http.get("/signin")
            match = CSRF.search(form.text)
            assert match
            if principal in ("expired", "revoked"):
                secret = self.world.principal_secrets[principal]
            else:
                secret = self.secret(principal)
            data = {"csrf_token": match.group(1), "token": secret}
            return lambda: http.post("/signin", data=data)
        # Signing out ends the session: a session of its own for each.
        browser = await self.browser(principal, fresh=call.path == "/signout")
        fields = None if call.data is None else {"csrf_token": browser.csrf, **call.data}
        return lambda: browser.http.request(call.method, call.path, data=fields)


# People signed in through the identity provider, by the principal they stand for: the
# group their ID token carries (tests/helpers/oidc.py), mapped by SSO_ROLES.
SSO_ROLES = {
    "onb-viewers": "viewer",
    "onb-coordinators": "coordinator",
    "onb-admins": "admin",
    "kommune": "municipality:5001",
}
SSO_GROUPS = {
    "viewer": "onb-viewers",
    "coordinator": "onb-coordinators",
    "admin": "onb-admins",
    "expired": "onb-admins",
    "revoked": "onb-admins",
    "municipality_in": "kommune",
    "municipality_out": "kommune",
}


class SsoPageSessions(PageSessions):
    """A browser per principal signed in through the identity provider instead of a token.

    `expired`: an admin's session past its absolute timeout; `revoked`: an admin's
    session ended (signed out in another tab); the municipality principals are
    refused at sign-in (the pages are the staff's), so they browse with no session.
    """

    def __init__(self, world: World, stack: list[httpx.AsyncClient], provider: Any) -> None:
        super().__init__(world, stack)
        self.provider = provider
        for principal, group in SSO_GROUPS.items():
            provider.add_user(principal, name=f"Person {principal}", groups=[group])

    async def signed_in(self, http: httpx.AsyncClient, principal: str) -> httpx.Response:
        return await sso_sign_in(http, self.provider, principal)

    def end(self, http: httpx.AsyncClient, principal: str) -> None:
        with Session(self.world.engine) as session:
            row = session.get(WebSessionRow, tokens.hash_secret(http.cookies["onb_session"]))
            assert row is not None
            if principal == "expired":
                row.created_at = datetime.now(UTC) - timedelta(days=2)
            else:
                row.ended_at = datetime.now(UTC)
            session.add(row)
            session.commit()

    async def send(self, principal: str, call: Call) -> Callable[[], Awaitable[httpx.Response]]:
        if call.path == "/signin/sso/callback":
            # A real way back from the provider: begun by a new browser, signed in there.
            http = self.client()
            began = await http.get("/signin/sso")
            async with httpx.AsyncClient() as at_provider:
                back = await self.provider.sign_in(at_provider, began.headers["location"], "admin")
            return lambda: http.get(back)
        return await super().send(principal, call)


@pytest.mark.parametrize("signed_in_by", ["token", "sso"])
async def test_every_page_cell_gets_what_the_table_promises(
    world: World, signed_in_by: str
) -> None:
    stack: list[httpx.AsyncClient] = []
    sessions: PageSessions
    with ExitStack() as exits:
        if signed_in_by == "sso":
            provider = exits.enter_context(running_provider())
            settings = world.api.app.state.settings
            world.api.app.state.settings = settings.model_copy(
                update={
                    "oidc_issuer": provider.issuer,
                    "oidc_client_id": "onboarding-pages",
                    "oidc_client_secret": SecretStr("a-client-secret-for-tests"),
                    "oidc_roles": SSO_ROLES,
                }
            )
            exits.callback(setattr, world.api.app.state, "settings", settings)
            sessions = SsoPageSessions(world, stack, provider)
        else:
            sessions = PageSessions(world, stack)
        await _every_page_cell(world, sessions, stack)


async def _every_page_cell(
    world: World, sessions: PageSessions, stack: list[httpx.AsyncClient]
) -> None:
    def refused(principal: str, response: httpx.Response) -> bool:
        if response.status_code == 303:  # no live session: to the sign-in page, and back
            return principal not in ("viewer", "coordinator", "admin") and response.headers[
                "location"
            ].startswith("/signin")
        if principal in ("viewer", "coordinator", "admin"):
            return response.status_code == 403
        return response.status_code in (401, 403)

    try:
        # Sign every browser in before the cells (the signing in writes its session).
        for principal in PRINCIPALS:
            await sessions.browser(principal)
        outcome = await run_cells(world, PAGES, PAGE_CALLS, sessions.send, refused)
    finally:
        for http in stack:
            await http.aclose()
    outcome.failures[:0] = sessions.failures
    assert outcome.cells == len(PAGES) * len(PRINCIPALS)
    assert not outcome.failures, report(outcome, "page")


async def test_an_admins_page_session_opens_the_codec_and_no_other_api_route(
    world: World,
) -> None:
    stack: list[httpx.AsyncClient] = []
    sessions = PageSessions(world, stack)
    failures: list[str] = []
    try:
        browser = await sessions.browser("admin")
        for key in sorted(API):
            expect = API[key]
            call = await API_CALLS[key](world)
            await settle(world.engine)
            before = table_counts(world.engine)
            response = await browser.http.request(
                call.method,
                call.path,
                json=call.json,
                params=call.params,
                headers=call.headers,
                content=call.content,
            )
            label = f"{key[0]} {key[1]} with an admin's page session"
            if expect.allowed == EVERYONE or key in COOKIE_ROUTES:
                if response.status_code not in expect.success:
                    failures.append(
                        f"ALLOWED {label}: {response.status_code} {response.text[:200]}"
                    )
                continue
            if response.status_code != 401:
                failures.append(f"REFUSED {label}: {response.status_code} {response.text[:200]}")
            after = table_counts(world.engine)
            if after != before:
                failures.append(f"REFUSED {label}: rows changed {changed(before, after)}")
    finally:
        for http in stack:
            await http.aclose()
    assert not failures, "\n".join(failures)


# -- the rules' own machinery: deny by default, the refusal's reason, scopes -------------


def test_the_municipality_role_is_beside_the_staff_ladder() -> None:
    assert not Role.VIEWER.covers(Role.MUNICIPALITY)
    assert not Role.ADMIN.covers(Role.MUNICIPALITY)
    assert not Role.MUNICIPALITY.covers(Role.VIEWER)
    assert Role.ADMIN.covers(Role.VIEWER) and Role.MUNICIPALITY.covers(Role.MUNICIPALITY)


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


async def test_users_get_a_scope_through_the_api(api: Api) -> None:
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


async def test_a_municipality_tokens_write_names_it_in_the_audit_log(api: Api) -> None:
    own, _ = await api.start(2)
    _, secret = tokens.create_token(
        api.engine, name="Kari i kommunen", role=Role.MUNICIPALITY, scope=[own]
    )
    contacts = [{"role": "municipality_contact", "name": "Kari", "email": "kari@kommune.no"}]
    response = await api.http.put(
        f"/api/municipalities/{own}/contacts",
        json=contacts,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.text
    entries = audit_page(api.engine, AuditFilters(kinds=frozenset({"contact_change"}))).items
    assert [(e.municipality_number, e.actor.name, e.actor.role) for e in entries] == [
        (own, "Kari i kommunen", "municipality")
    ]
    assert entries[0].details["before"] == [] and entries[0].details["after"] == contacts
