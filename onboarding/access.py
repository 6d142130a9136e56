"""The authorization matrix: which roles may call each route, in one place.

Every API route (`API_RULES`, keyed by method and path template as the OpenAPI
document names them) and every page (`PAGE_RULES`) has a rule: the roles that
may call it, and whether the municipality role may call it for the
municipalities in its scope (the route's `{number}` path parameter). One
dependency enforces it on every route (onboarding/api/deps.py:
`enforce_access`, onboarding/web/page.py: `enforce_page_access`); a route
with no rule is refused (deny by default), and tests/api/test_access_matrix.py
walks the OpenAPI document and the page routers so a new route without a rule
fails the tests.

The roles: viewer (reads) < coordinator (reads and writes) < admin
(everything), and the municipality role beside them: only its own
parties (its token's scope), reading their state, history, timeline,
obligations and checklist, and writing their contacts and checklist
evidence. It reads less than a viewer and writes what a viewer may not, so
neither includes the other. The pages are for the program's staff: a
municipality token cannot sign in to them (it is told why).

A scope holds party ids (domain/party.py). A municipality's id in it covers
the municipality and every party whose home municipality it is (its GP
offices and specialists); a GP office's id covers that office alone. The
routes of one party exist twice, under /api/municipalities/{number} (4-digit
numbers) and /api/parties/{number} (any party id), with one rule each.
"""

import re
from dataclasses import dataclass
from functools import cache

from onboarding.store.tokens import STAFF_ROLES, Role

MUNICIPALITY_PARAMETER = "number"


@dataclass(frozen=True)
class Rule:
    """Who may call one route.

    `roles` may call it for any municipality; `own_municipality` lets the
    municipality role call it for a municipality in its scope. A rule with
    neither is public (no token needed). `page_session`: a signed-in page
    session's cookie is accepted instead of a bearer token (only where no
    form could be forged against it: the codec, a read whose answer only the
    Temporal UI's origin may see). `scoped_answer`: the municipality role may
    call it, and the route answers only what the token's scope may see (a list).
    """

    roles: frozenset[Role]
    own_municipality: bool = False
    page_session: bool = False
    scoped_answer: bool = False

    @property
    def public(self) -> bool:
        """True if no token is needed."""
        return not self.roles and not self.own_municipality


PUBLIC = Rule(frozenset())
READ = Rule(frozenset({Role.VIEWER, Role.COORDINATOR, Role.ADMIN}))
WRITE = Rule(frozenset({Role.COORDINATOR, Role.ADMIN}))
ADMIN = Rule(frozenset({Role.ADMIN}))
# The same, and the municipality role for its own municipalities.
READ_OWN = Rule(READ.roles, own_municipality=True)
WRITE_OWN = Rule(WRITE.roles, own_municipality=True)
# Everyone with a token, the municipality role included (nothing about any municipality).
ANY_TOKEN = Rule(READ.roles | {Role.MUNICIPALITY})
# Staff see every party, the municipality role those in its scope (the route filters).
READ_SCOPED = Rule(READ.roles, scoped_answer=True)

M = "/api/municipalities/{number}"
P = "/api/parties/{number}"

API_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/health/ready"): PUBLIC,
    ("GET", "/api/process"): ANY_TOKEN,
    ("GET", "/api/processes"): ANY_TOKEN,
    ("GET", "/api/processes/{key}/{version}"): ANY_TOKEN,
    ("GET", "/api/processes/{key}/{version}/diff"): ANY_TOKEN,
    # Process migrations: admins only (they move every selected party).
    ("POST", "/api/migrations/dry-run"): ADMIN,
    ("POST", "/api/migrations"): ADMIN,
    ("GET", "/api/migrations/{migration_id}/progress"): ADMIN,
    ("POST", "/api/migrations/{migration_id}/pause"): ADMIN,
    ("POST", "/api/migrations/{migration_id}/resume"): ADMIN,
    ("GET", "/api/migrations/{migration_id}/effects"): ADMIN,
    # Municipal reforms: admins only (they end, start and renumber parties; the
    # answers name the tokens that follow).
    ("POST", "/api/reforms/dry-run"): ADMIN,
    ("POST", "/api/reforms"): ADMIN,
    ("GET", "/api/reforms"): ADMIN,
    ("GET", "/api/reforms/{reform_id}"): ADMIN,
    # One municipality: its own contact reads it and writes contacts and evidence.
    ("GET", M): READ_OWN,
    ("GET", f"{M}/history"): READ_OWN,
    ("GET", f"{M}/timeline"): READ_OWN,
    ("GET", f"{M}/obligations"): READ_OWN,
    ("GET", f"{M}/deadline-changes"): READ_OWN,
    ("GET", f"{M}/checklist"): READ_OWN,
    ("GET", f"{M}/waves"): READ_OWN,
    ("GET", f"{M}/contacts"): READ_OWN,
    ("PUT", f"{M}/contacts"): WRITE_OWN,
    ("POST", f"{M}/checklist"): WRITE_OWN,
    ("POST", f"{M}/checklist/{{item}}"): WRITE_OWN,
    ("POST", f"{M}/transitions"): WRITE,
    ("POST", f"{M}/corrections"): WRITE,
    ("PUT", f"{M}/obligations/{{obligation_id}}"): WRITE,
    ("GET", f"{M}/engine"): READ,
    ("GET", f"{M}/engine/history"): ADMIN,
    # The region as a whole: program staff only.
    ("GET", "/api/municipalities"): READ,
    # Every kind of party: the list (scoped for the municipality role), registering.
    ("GET", "/api/parties"): READ_SCOPED,
    ("POST", "/api/parties"): WRITE,
    ("POST", "/api/parties/import"): WRITE,
    ("GET", "/api/program/contacts"): READ,
    ("PUT", "/api/program/contacts"): WRITE,
    ("POST", "/api/bulk/transitions"): WRITE,
    ("POST", "/api/bulk/deadlines"): WRITE,
    ("GET", "/api/reports/funnel"): READ,
    ("GET", "/api/reports/stages"): READ,
    ("GET", "/api/reports/milestones"): READ,
    ("GET", "/api/reports/coverage"): READ,
    ("GET", "/api/reports/overdue"): READ,
    ("GET", "/api/reports/blockers"): READ,
    ("GET", "/api/notifications"): READ,
    ("GET", "/api/waves"): READ,
    ("POST", "/api/waves"): WRITE,
    ("GET", "/api/waves/{wave_id}"): READ,
    ("POST", "/api/waves/{wave_id}/members"): WRITE,
    ("DELETE", "/api/waves/{wave_id}/members/{number}"): WRITE,
    ("POST", "/api/waves/{wave_id}/reschedule"): WRITE,
    ("POST", "/api/waves/{wave_id}/decision"): WRITE,
    ("GET", "/api/waves/{wave_id}/blockers"): READ,
    # The work list: what needs the program now (docs/worklist.md).
    ("GET", "/api/worklist"): READ,
    # Administration.
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("DELETE", "/api/users/{token_id}"): ADMIN,
    ("POST", "/api/region/load"): ADMIN,
    ("POST", "/api/region/history/load"): ADMIN,
    ("POST", "/api/reconcile"): ADMIN,
    ("GET", "/api/audit"): ADMIN,
    ("GET", "/api/audit/export"): ADMIN,
    # The Temporal UI's codec: admins (bearer token or page session); its CORS
    # preflight carries no credentials by the browser's rules.
    ("POST", "/api/codec/{action}"): Rule(ADMIN.roles, page_session=True),
    ("OPTIONS", "/api/codec/{action}"): PUBLIC,
    # The dev server's own UI (`onboarding up`): no token, but a per-start secret in
    # the path, checked by the route (404 without it; onboarding/api/routes/codec.py).
    ("POST", "/api/codec/ui/{secret}/{action}"): PUBLIC,
    ("OPTIONS", "/api/codec/ui/{secret}/{action}"): PUBLIC,
}
# One party's routes for every kind: the same endpoint as the municipality's
# (onboarding/api/party_routes.py), so the same rule.
API_RULES.update(
    {
        (method, P + path.removeprefix(M)): rule
        for (method, path), rule in API_RULES.items()
        if path == M or path.startswith(M + "/")
    }
)

PAGE_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/signin"): PUBLIC,
    ("POST", "/signin"): PUBLIC,
    # Single sign-on: off to the identity provider, and back (docs/sso.md).
    ("GET", "/signin/sso"): PUBLIC,
    ("GET", "/signin/sso/callback"): PUBLIC,
    ("POST", "/signout"): READ,
    ("GET", "/language/{language}"): PUBLIC,
    ("GET", "/"): READ,
    ("GET", "/dashboard"): READ,
    ("GET", "/worklist"): READ,
    ("GET", "/processes"): READ,
    ("GET", "/processes/{key}/{version}"): READ,
    ("GET", "/municipalities/{number}"): READ,
    ("GET", "/municipalities/{number}/transitions/{trigger}"): WRITE,
    ("POST", "/municipalities/{number}/transitions/{trigger}"): WRITE,
    ("GET", "/municipalities/{number}/obligations/{obligation_id}"): WRITE,
    ("POST", "/municipalities/{number}/obligations/{obligation_id}"): WRITE,
    ("GET", "/municipalities/{number}/contacts"): WRITE,
    ("POST", "/municipalities/{number}/contacts"): WRITE,
    ("GET", "/municipalities/{number}/checklist/{item}"): WRITE,
    ("POST", "/municipalities/{number}/checklist/{item}"): WRITE,
    # Every kind of party: the list, and each party's pages (a municipality's
    # are also at /municipalities/{number}: one handler, onboarding/web/party_paths.py).
    ("GET", "/parties"): READ,
    ("GET", "/parties/{number}"): READ,
    ("GET", "/parties/{number}/transitions/{trigger}"): WRITE,
    ("POST", "/parties/{number}/transitions/{trigger}"): WRITE,
    ("GET", "/parties/{number}/obligations/{obligation_id}"): WRITE,
    ("POST", "/parties/{number}/obligations/{obligation_id}"): WRITE,
    ("GET", "/parties/{number}/contacts"): WRITE,
    ("POST", "/parties/{number}/contacts"): WRITE,
    ("GET", "/parties/{number}/checklist/{item}"): WRITE,
    ("POST", "/parties/{number}/checklist/{item}"): WRITE,
    ("GET", "/parties/{number}/corrections/{event_id}"): WRITE,
    ("POST", "/parties/{number}/corrections/{event_id}"): WRITE,
    ("GET", "/parties/{number}/engine"): ADMIN,
    ("GET", "/waves"): READ,
    ("POST", "/waves"): WRITE,
    ("GET", "/waves/{wave_id}"): READ,
    ("POST", "/waves/{wave_id}/members"): WRITE,
    ("POST", "/waves/{wave_id}/move"): WRITE,
    ("POST", "/waves/{wave_id}/remove"): WRITE,
    ("POST", "/waves/{wave_id}/reschedule"): WRITE,
    ("POST", "/waves/{wave_id}/decision"): WRITE,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{token_id}/revoke"): ADMIN,
    ("GET", "/admin/notifications"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/admin/audit/export"): ADMIN,
    ("GET", "/municipalities/{number}/corrections/{event_id}"): WRITE,
    ("POST", "/municipalities/{number}/corrections/{event_id}"): WRITE,
    ("GET", "/municipalities/{number}/engine"): ADMIN,
}


@dataclass(frozen=True)
class Decision:
    """The outcome of asking the matrix: allowed, or why not (for the 403 and the log)."""

    allowed: bool
    reason: str = ""


def decide(
    rule: Rule,
    *,
    role: Role,
    scope: frozenset[str],
    number: str | None,
    home: str | None = None,
) -> Decision:
    """May a token of `role` with `scope` (party ids) call a route of `rule` for party `number`?

    `home`: the municipality party `number` belongs to (its GP offices'), if any.
    """
    if role in rule.roles:
        return Decision(True)
    if role is Role.MUNICIPALITY and rule.scoped_answer:
        return Decision(True)
    if role is Role.MUNICIPALITY and rule.own_municipality:
        if number is not None and (number in scope or (home is not None and home in scope)):
            return Decision(True)
        return Decision(
            False,
            f"this token may act only for {', '.join(sorted(scope))} "
            "(and the parties of those municipalities)",
        )
    allowed = sorted(r.value for r in rule.roles)
    if rule.own_municipality or rule.scoped_answer:
        allowed.append("municipality (its own)")
    return Decision(
        False, f"this needs one of the roles {', '.join(allowed)}; the token is {role.value}"
    )


def least_role(rule: Rule) -> Role:
    """The lowest staff role a rule allows (for messages: "this needs the coordinator role")."""
    for role in STAFF_ROLES:
        if role in rule.roles:
            return role
    return Role.MUNICIPALITY


def find_rule(
    rules: dict[tuple[str, str], Rule], method: str, path: str, route_path: str
) -> tuple[str, Rule] | None:
    """The rule for a request: its path template matches `path` and ends with `route_path`.

    `route_path` is the matched route's own template (FastAPI gives a route
    its router's prefix but not the prefixes of the routers it is included
    in), which tells apart two templates that match the same path.
    """
    for (rule_method, template), rule in rules.items():
        if (
            rule_method == method
            and template.endswith(route_path)
            and _regex(template).fullmatch(path)
        ):
            return template, rule
    return None


@cache
def _regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    )
