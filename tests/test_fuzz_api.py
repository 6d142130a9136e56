"""Bad input: the OpenAPI document fuzzed with schemathesis, with every role's token.

The API under fuzz is a real `onboarding up` (Temporal dev server, worker, API,
SQLite, the shipped region loaded) in a process of its own, so the fuzzer's
synchronous calls never share an event loop with it. For every generated
request and every role: no 5xx, the status is one the document declares,
the body matches the declared schema, an error names its code and a message,
and a refused request leaves the audit log as it was.

Bounded: FUZZ_EXAMPLES generated requests per operation (each sent once per
role); raise it with ONBOARDING_FUZZ_EXAMPLES for a deeper run.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks

from onboarding.access import API_RULES
from onboarding.api import create_app
from onboarding.settings import Settings
from onboarding.store.tokens import STAFF_ROLES, Role
from tests.test_up_e2e import Up

FUZZ_EXAMPLES = int(os.environ.get("ONBOARDING_FUZZ_EXAMPLES", "8"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Revoking tokens would revoke the fuzzer's own: only refused roles try it.
ADMIN_SKIPS = {("DELETE", "/api/users/{token_id}")}

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(600)]


@dataclass
class Served:
    url: str
    tokens: dict[Role, str]
    database: Path

    def audit_count(self) -> int:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as connection:
            (count,) = connection.execute("SELECT count(*) FROM audit_event").fetchone()
        return int(count)


@contextmanager
def up_with_staff_tokens(data_dir: Path, who: str) -> Iterator[Served]:
    """A real `onboarding up` in `data_dir`, with a token for each staff role."""
    up = Up(data_dir)
    up.start()
    try:
        up.wait_healthy()
        admin = (up.data_dir / "admin.token").read_text().strip()
        tokens = {Role.ADMIN: admin}
        for role in (Role.VIEWER, Role.COORDINATOR):
            answer = httpx.post(
                f"{up.url}/api/users",
                json={"name": f"{who} {role.value}", "role": role.value},
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert answer.status_code == 201, answer.text
            tokens[role] = answer.json()["token"]
        yield Served(up.url, tokens, up.data_dir / "onboarding.db")
    finally:
        up.kill_leftovers()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with up_with_staff_tokens(tmp_path_factory.mktemp("fuzz") / "data", "fuzz") as running:
        yield running


# The document as the app builds it, without serving it: creating the app connects nothing.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(home=Path("unused"))).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


# Negative mode needs something to break: a body, a query or a path parameter.
CASES = [
    pytest.param(o, mode, id=f"{o.method.upper()} {o.path} {mode.value}")
    for o in OPERATIONS
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or len(o.body) + len(o.query) + len(o.path_parameters)
]


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_every_operation_with_every_role(
    operation: Any, mode: GenerationMode, served: Served
) -> None:
    """Valid requests (positive) and requests that break the schema (negative)."""

    # Hypothesis drives the generation; schemathesis' own pytest wrapper is not
    # used (it reaches into pytest internals that pytest 9 no longer has).
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        check_every_role(case, served)

    fuzz()


def check_every_role(case: Any, served: Served) -> None:
    """Send `case` with each role's token and check what comes back."""
    for role in STAFF_ROLES:
        if role is Role.ADMIN and (case.method, case.path) in ADMIN_SKIPS:
            continue
        before = served.audit_count()
        response = case.call(
            base_url=served.url, headers={"Authorization": f"Bearer {served.tokens[role]}"}
        )
        print(
            "FUZZ",
            role.value,
            case.method,
            case.formatted_path,
            response.status_code,
            response.text[:150],
        )
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            body = response.json()
            assert isinstance(body, dict) and body.get("error") and body.get("message"), (
                role,
                response.status_code,
                body,
            )
            assert served.audit_count() == before, f"{role}: a refused request wrote audit events"


def test_without_a_token_everything_but_health_is_401(served: Served) -> None:
    for op in OPERATIONS:
        if API_RULES[(op.method.upper(), op.path)].public:
            assert op.path.startswith("/api/health"), f"{op.path}: public, but not a health check"
            continue
        path = op.path.replace("{number}", "5001").replace("{token_id}", "1")
        path = path.replace("{obligation_id}", "exercise_option")
        response = httpx.request(op.method.upper(), f"{served.url}{path}")
        assert response.status_code == 401, (op.method, path, response.text)
        assert response.json()["error"] == "unauthorized"
        assert "401" in op.definition.raw["responses"], f"{op.method} {op.path}: 401 undocumented"


def test_found_by_fuzzing_a_body_that_is_not_json_is_422_naming_the_body(served: Served) -> None:
    before = served.audit_count()
    response = httpx.post(
        f"{served.url}/api/municipalities/5001/transitions",
        content=b"\xff\xfe not json",
        headers={
            "Authorization": f"Bearer {served.tokens[Role.COORDINATOR]}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid_request", "body")
    assert "JSON" in body["message"]
    assert served.audit_count() == before


def test_found_by_fuzzing_an_offset_beyond_any_database_is_422(served: Served) -> None:
    response = httpx.get(
        f"{served.url}/api/notifications",
        params={"offset": str(2**70)},
        headers={"Authorization": f"Bearer {served.tokens[Role.VIEWER]}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "offset"
