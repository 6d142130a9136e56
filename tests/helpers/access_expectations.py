"""Who may call what, written by hand from docs/access-control.md, docs/api.md and docs/web.md.

Deliberately NOT derived from onboarding/access.py: this table is what the
product promises, and tests/api/test_access_matrix.py holds the running app to it.
A principal is one of PRINCIPALS:

- `none`: no token (API) or no page session (pages);
- `expired`, `revoked`: an admin token past its expiry, or revoked (for the
  pages: an admin's session whose token then expired or was revoked);
- `viewer`, `coordinator`, `admin`: the staff roles;
- `municipality_in`: a municipality token whose scope holds the request's
  municipality (for routes naming none, simply a municipality token);
- `municipality_out`: a municipality token scoped to another municipality.

The routes of one party (/api/parties/{number}/..., docs/parties.md) promise
what the same municipality routes promise, for a party of any kind; the list
of parties answers a municipality token too, with only what its scope may see.

docs/access-control.md: viewer reads everything but the audit log, the
engine's raw history and tokens, and writes nothing; coordinator reads as a
viewer and writes transitions, corrections, deadlines, contacts, waves and
checklists; admin does everything (tokens, loading the region,
reconciliation, the codec); the municipality role reads its own
municipalities' state, history, timeline, obligations, deadline changes,
checklist, wave events and contacts, and the process definition, and writes
its own contacts and checklist evidence; nothing about the region as a whole,
and it cannot sign in to the pages. The health probes and /metrics need no
token. Pages: the "who" column of the page table in docs/web.md.
"""

from dataclasses import dataclass

PRINCIPALS = (
    "none",
    "expired",
    "revoked",
    "viewer",
    "coordinator",
    "admin",
    "municipality_in",
    "municipality_out",
)

EVERYONE = frozenset(PRINCIPALS)
STAFF = frozenset({"viewer", "coordinator", "admin"})
WRITERS = frozenset({"coordinator", "admin"})
ADMINS = frozenset({"admin"})
OWN_READ = STAFF | {"municipality_in"}
OWN_WRITE = WRITERS | {"municipality_in"}
ANY_TOKEN = STAFF | {"municipality_in", "municipality_out"}


@dataclass(frozen=True)
class Expect:
    """One route's row: who may call it, the answer they get, and what it writes.

    `success`: the statuses an allowed, well-formed request gets (a documented
    409 only where listed). `writes`: the tables an allowed request adds a row
    to (the record of the write: its audit table, the token, the session).
    """

    allowed: frozenset[str]
    success: frozenset[int] = frozenset({200})
    writes: frozenset[str] = frozenset()


def read(allowed: frozenset[str], *success: int) -> Expect:
    return Expect(allowed, frozenset(success or {200}))


def write(allowed: frozenset[str], *tables: str, status: int = 200) -> Expect:
    return Expect(allowed, frozenset({status}), frozenset(tables))


M = "/api/municipalities/{number}"

API: dict[tuple[str, str], Expect] = {
    # No token: the probes, the metrics and the API docs (onboarding/api/docs.py).
    ("GET", "/api/health"): read(EVERYONE),
    ("GET", "/api/health/ready"): read(EVERYONE),
    ("GET", "/metrics"): read(EVERYONE),
    ("GET", "/openapi.json"): read(EVERYONE),
    ("GET", "/docs"): read(EVERYONE),
    # The process definition: every token, the municipality role's included.
    ("GET", "/api/process"): read(ANY_TOKEN),
    ("GET", "/api/processes"): read(ANY_TOKEN),
    ("GET", "/api/processes/{key}/{version}"): read(ANY_TOKEN),
    ("GET", "/api/processes/{key}/{version}/diff"): read(ANY_TOKEN),
    # One municipality: staff, and the municipality role for its own.
    ("GET", M): read(OWN_READ),
    ("GET", f"{M}/history"): read(OWN_READ),
    ("GET", f"{M}/timeline"): read(OWN_READ),
    ("GET", f"{M}/obligations"): read(OWN_READ),
    ("GET", f"{M}/deadline-changes"): read(OWN_READ),
    ("GET", f"{M}/checklist"): read(OWN_READ),
    ("GET", f"{M}/waves"): read(OWN_READ),
    ("GET", f"{M}/contacts"): read(OWN_READ),
    ("PUT", f"{M}/contacts"): write(OWN_WRITE, "contact_change"),
    ("POST", f"{M}/checklist"): write(OWN_WRITE, "checklist_completion"),
    ("POST", f"{M}/checklist/{{item}}"): write(OWN_WRITE, "checklist_completion"),
    # One municipality, staff only.
    ("POST", f"{M}/transitions"): write(WRITERS, "audit_event"),
    ("POST", f"{M}/corrections"): write(WRITERS, "correction"),
    ("PUT", f"{M}/obligations/{{obligation_id}}"): write(WRITERS, "deadline_change"),
    ("GET", f"{M}/engine"): read(STAFF),
    ("GET", f"{M}/engine/history"): read(ADMINS),  # the engine's raw history
    # The region as a whole.
    ("GET", "/api/municipalities"): read(STAFF),
    # Parties of every kind: the list (a municipality token: its own), registering.
    ("GET", "/api/parties"): read(ANY_TOKEN),
    ("POST", "/api/parties"): write(WRITERS, "municipality", status=201),
    ("POST", "/api/parties/import"): write(WRITERS, "municipality"),
    ("GET", "/api/program/contacts"): read(STAFF),
    ("PUT", "/api/program/contacts"): write(WRITERS, "contact_change"),
    ("POST", "/api/bulk/transitions"): write(WRITERS, "audit_event"),
    ("POST", "/api/bulk/deadlines"): write(WRITERS, "deadline_change"),
    ("GET", "/api/reports/funnel"): read(STAFF),
    ("GET", "/api/reports/stages"): read(STAFF),
    ("GET", "/api/reports/milestones"): read(STAFF),
    ("GET", "/api/reports/coverage"): read(STAFF),
    ("GET", "/api/reports/overdue"): read(STAFF),
    ("GET", "/api/reports/blockers"): read(STAFF),
    ("GET", "/api/worklist"): read(STAFF),
    ("GET", "/api/notifications"): read(STAFF),
    # Waves.
    ("GET", "/api/waves"): read(STAFF),
    ("POST", "/api/waves"): write(WRITERS, "wave", "wave_event", status=201),
    ("GET", "/api/waves/{wave_id}"): read(STAFF),
    ("POST", "/api/waves/{wave_id}/members"): write(WRITERS, "wave_member", "wave_event"),
    ("DELETE", "/api/waves/{wave_id}/members/{number}"): write(WRITERS, "wave_event"),
    ("POST", "/api/waves/{wave_id}/reschedule"): write(WRITERS, "wave_event"),
    ("POST", "/api/waves/{wave_id}/decision"): write(WRITERS, "wave_event"),
    ("GET", "/api/waves/{wave_id}/blockers"): read(STAFF),
    # Administration.
    ("GET", "/api/users"): read(ADMINS),
    ("POST", "/api/users"): write(ADMINS, "api_token", "token_event", status=201),
    ("DELETE", "/api/users/{token_id}"): write(ADMINS, "token_event"),
    ("POST", "/api/region/load"): write(ADMINS, "municipality"),
    ("POST", "/api/region/history/load"): write(ADMINS, "municipality"),
    ("POST", "/api/reconcile"): read(ADMINS),  # writes only where it finds drift
    # Process migrations (admin): the dry-run writes nothing; a run migrates its parties.
    ("POST", "/api/migrations/dry-run"): read(ADMINS),
    ("POST", "/api/migrations"): write(ADMINS, "process_migration", status=202),
    ("GET", "/api/migrations/{migration_id}/progress"): read(ADMINS),
    ("POST", "/api/migrations/{migration_id}/pause"): read(ADMINS),  # a finished run: as it is
    ("POST", "/api/migrations/{migration_id}/resume"): read(ADMINS),
    ("GET", "/api/migrations/{migration_id}/effects"): read(ADMINS),
    # Municipal reforms (admin): the dry-run writes nothing; the apply records the reform.
    ("POST", "/api/reforms/dry-run"): read(ADMINS),
    ("POST", "/api/reforms"): write(ADMINS, "reform", status=201),
    ("GET", "/api/reforms"): read(ADMINS),
    ("GET", "/api/reforms/{reform_id}"): read(ADMINS),
    ("GET", "/api/audit"): read(ADMINS),
    ("GET", "/api/audit/export"): read(ADMINS),
    # The Temporal UI's codec (admin); its CORS preflight carries no credentials.
    ("POST", "/api/codec/{action}"): read(ADMINS),
    ("OPTIONS", "/api/codec/{action}"): read(EVERYONE, 204),
    # The dev server UI's path (`onboarding up` only): no token, a per-start secret
    # in the path instead (without it, 404: tests/web/test_access_web.py).
    ("POST", "/api/codec/ui/{secret}/{action}"): read(EVERYONE),
    ("OPTIONS", "/api/codec/ui/{secret}/{action}"): read(EVERYONE, 204),
}

# docs/parties.md: every route of one municipality is a route of one party, same promise.
P = "/api/parties/{number}"
API.update(
    {
        (method, P + path.removeprefix(M)): expect
        for (method, path), expect in list(API.items())
        if path == M or path.startswith(M + "/")
    }
)

# Pages. A municipality token cannot sign in, so on every page but the public
# ones it is refused like `none`. Form posts answer 303 (to the page that shows
# the result); creating a token answers 201 with its secret.
PAGES: dict[tuple[str, str], Expect] = {
    # The sign-in page: public (a signed-in user is sent on, 303).
    ("GET", "/signin"): read(EVERYONE, 200, 303),
    # The sign-in form takes the principal's own token: staff get a session.
    ("POST", "/signin"): write(STAFF, "web_session", status=303),
    # Single sign-on: off to the identity provider and back; without one configured
    # (this table's app), both lead to the token sign-in (303).
    ("GET", "/signin/sso"): read(EVERYONE, 303),
    ("GET", "/signin/sso/callback"): read(EVERYONE, 303),
    ("POST", "/signout"): read(STAFF, 303),  # ends the session (a row updated, none added)
    ("GET", "/language/{language}"): read(EVERYONE, 303),
    ("GET", "/"): read(STAFF),
    ("GET", "/municipalities/{number}"): read(STAFF),
    ("GET", "/municipalities/{number}/transitions/{trigger}"): read(WRITERS),
    ("POST", "/municipalities/{number}/transitions/{trigger}"): write(
        WRITERS, "audit_event", status=303
    ),
    ("GET", "/municipalities/{number}/obligations/{obligation_id}"): read(WRITERS),
    ("POST", "/municipalities/{number}/obligations/{obligation_id}"): write(
        WRITERS, "deadline_change", status=303
    ),
    ("GET", "/municipalities/{number}/contacts"): read(WRITERS),
    ("POST", "/municipalities/{number}/contacts"): write(WRITERS, "contact_change", status=303),
    ("GET", "/municipalities/{number}/checklist/{item}"): read(WRITERS),
    ("POST", "/municipalities/{number}/checklist/{item}"): write(
        WRITERS, "checklist_completion", status=303
    ),
    ("GET", "/municipalities/{number}/corrections/{event_id}"): read(WRITERS),
    ("POST", "/municipalities/{number}/corrections/{event_id}"): write(
        WRITERS, "correction", status=303
    ),
    ("GET", "/municipalities/{number}/engine"): read(ADMINS),
    # Every kind of party (docs/web.md): the list, and each party's pages at /parties/{id},
    # with the same "who" as a municipality's.
    ("GET", "/parties"): read(STAFF),
    ("GET", "/parties/{number}"): read(STAFF),
    ("GET", "/parties/{number}/transitions/{trigger}"): read(WRITERS),
    ("POST", "/parties/{number}/transitions/{trigger}"): write(WRITERS, "audit_event", status=303),
    ("GET", "/parties/{number}/obligations/{obligation_id}"): read(WRITERS),
    ("POST", "/parties/{number}/obligations/{obligation_id}"): write(
        WRITERS, "deadline_change", status=303
    ),
    ("GET", "/parties/{number}/contacts"): read(WRITERS),
    ("POST", "/parties/{number}/contacts"): write(WRITERS, "contact_change", status=303),
    ("GET", "/parties/{number}/checklist/{item}"): read(WRITERS),
    ("POST", "/parties/{number}/checklist/{item}"): write(
        WRITERS, "checklist_completion", status=303
    ),
    ("GET", "/parties/{number}/corrections/{event_id}"): read(WRITERS),
    ("POST", "/parties/{number}/corrections/{event_id}"): write(WRITERS, "correction", status=303),
    ("GET", "/parties/{number}/engine"): read(ADMINS),
    ("GET", "/waves"): read(STAFF),
    ("GET", "/worklist"): read(STAFF),
    ("GET", "/dashboard"): read(STAFF),
    ("GET", "/processes"): read(STAFF),
    ("GET", "/processes/{key}/{version}"): read(STAFF),
    ("POST", "/waves"): write(WRITERS, "wave", "wave_event", status=303),
    ("GET", "/waves/{wave_id}"): read(STAFF),
    ("POST", "/waves/{wave_id}/members"): write(WRITERS, "wave_member", "wave_event", status=303),
    ("POST", "/waves/{wave_id}/move"): write(WRITERS, "wave_event", status=303),
    ("POST", "/waves/{wave_id}/remove"): write(WRITERS, "wave_event", status=303),
    ("POST", "/waves/{wave_id}/reschedule"): write(WRITERS, "wave_event", status=303),
    ("POST", "/waves/{wave_id}/decision"): write(WRITERS, "wave_event", status=303),
    ("GET", "/admin/users"): read(ADMINS),
    # Creating a token answers with the page showing its secret once.
    ("POST", "/admin/users"): write(ADMINS, "api_token", "token_event", status=201),
    ("POST", "/admin/users/{token_id}/revoke"): write(ADMINS, "token_event", status=303),
    ("GET", "/admin/notifications"): read(ADMINS),
    ("GET", "/admin/audit"): read(ADMINS),
    ("GET", "/admin/audit/export"): read(ADMINS),
}

# docs/access-control.md: "The codec endpoint (POST /api/codec/decode) takes an
# admin's bearer token or an admin's page session cookie [...] No other API route
# takes the cookie (the API has no CSRF tokens)."
COOKIE_ROUTES = frozenset({("POST", "/api/codec/{action}")})
