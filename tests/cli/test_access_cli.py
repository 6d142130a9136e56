"""`onboarding users add --role municipality --scope ... --expires ...` against the served API."""

import json
from datetime import UTC, datetime

from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page
from onboarding.store import tokens
from onboarding.store.tokens import Role
from tests.helpers.cli import Served, one_line_error


async def test_a_municipality_user_is_created_with_its_scope_and_expiry(
    served: Served,
) -> None:
    first, second = await served.prospective(), await served.prospective()
    result = await served.run(
        "users",
        "add",
        "Kari i kommunen",
        "--role",
        "municipality",
        "--scope",
        f"{second}, {first}",
        "--expires",
        "2099-01-01T00:00:00+01:00",
        "--json",
        role=Role.ADMIN,
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["scope"] == sorted([first, second])
    assert datetime.fromisoformat(created["expires_at"]) == datetime(2098, 12, 31, 23, tzinfo=UTC)
    token = tokens.find_active_token(served.engine, secret=created["token"])
    assert token is not None and tokens.scope_of(token) == {first, second}

    listed = await served.run("users", "list", role=Role.ADMIN)
    assert f"{min(first, second)},{max(first, second)}" in listed.stdout

    # The creation is in the audit log, naming the admin who did it, never the secret.
    [entry] = audit_page(served.engine, AuditFilters(kinds=frozenset({"token_created"}))).items[:1]
    assert entry.details["scope"] == sorted([first, second])
    assert entry.actor.role == "admin" and entry.actor.id.startswith("token:")
    assert created["token"] not in entry.model_dump_json()


async def test_a_scope_is_refused_naming_the_field(served: Served) -> None:
    result = await served.run(
        "users", "add", "K", "--role", "municipality", "--scope", "9997", role=Role.ADMIN
    )
    assert "scope" in one_line_error(result) and "9997" in result.stderr
    result = await served.run("users", "add", "K", "--role", "municipality", role=Role.ADMIN)
    assert "scope" in one_line_error(result)
