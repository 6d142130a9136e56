"""Bad input: the OpenAPI document fuzzed with schemathesis, with every role's token.

The API under fuzz is a real `onboarding up` (Temporal dev server, worker, API,
SQLite, the shipped region loaded) in a process of its own, so the fuzzer's
synchronous calls never share an event loop with it. Every generated request,
positive (valid by the document) and negative (breaking it), is sent with
every role's token: admin, coordinator, viewer, a municipality token scoped
to IN_SCOPE and one scoped to OUT_OF_SCOPE (only DELETE /api/users/{token_id}
is left out for the roles allowed it: it would revoke the fuzzer's own
tokens). The generated `{number}` is random, so the municipality tokens are
mostly refused; a request with a `{number}` is therefore sent once more with
the in-scope token and `number` set to IN_SCOPE, so that this token is also
exercised on its own municipality (not for a negative request whose number
is what breaks the schema: it would become another request). For every
request sent:

- no 5xx, the status is one the document declares, the body matches the
  declared schema, and an error names its code and a message;
- a refused request (4xx) leaves every table of the SQLite database with
  exactly the rows it had: all tables are counted in one read before and after
  it. Workflows write the read model a moment after an accepted write (a 2xx
  to anything but a GET), so after one the counts are first left to settle;
- a negative request is never accepted (2xx): schemathesis'
  `negative_data_rejection`, judged on the request as sent (the token is put
  into the case, so a generated `Authorization` is not what makes it
  invalid). One known false positive of schemathesis' is excused, narrowly:
  NEGATIVE_FALSE_POSITIVES.

Bounded: FUZZ_EXAMPLES generated requests per operation and mode; raise it
with ONBOARDING_FUZZ_EXAMPLES for a deeper run.
"""

import copy
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi import checks

from onboarding.access import API_RULES, MUNICIPALITY_PARAMETER
from onboarding.embedded.app import create_app
from onboarding.settings import Settings
from onboarding.store.tokens import Role
from tests.helpers.up import IN_SCOPE, OUT_OF_SCOPE, Served, changes, up_with_tokens

FUZZ_EXAMPLES = int(os.environ.get("ONBOARDING_FUZZ_EXAMPLES", "8"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# A request that breaks the schema must be refused: a 2xx fails (ST201).
NEGATIVE_CHECKS = [*CHECKS, checks.negative_data_rejection]
# Deleting a token would revoke the fuzzer's own: only roles refused it try it.
ADMIN_SKIPS = {("DELETE", "/api/users/{token_id}")}
# schemathesis' negative mutation sometimes adds a required key to `evidence`, whose
# schema requires none, so the request it calls invalid is valid (see EXCEPTIONS in
# tests/e2e/test_schemathesis_contract.py). Excused only on these operations, only for that
# mutation, and only when the request sent is valid by the document after all.
NEGATIVE_FALSE_POSITIVES = {
    ("POST", "/api/municipalities/{number}/transitions"),
    ("POST", "/api/bulk/transitions"),
}
# The mutation as the coverage phase words it, and as the fuzzing phase would.
EVIDENCE_MUTATION = re.compile(
    r"Invalid component:.*"
    r"(evidence -> Missing required property|`required` at /properties/evidence)",
    re.S,
)


pytestmark = [pytest.mark.devserver, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with up_with_tokens(tmp_path_factory.mktemp("fuzz") / "data", "fuzz") as running:
        yield running


# The document as the app builds it, without serving it: creating the app connects nothing.
DOCUMENT = create_app(Settings(home=Path("unused"))).openapi()
SCHEMA = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


# Negative mode needs something to break: a body, a query or a path parameter.
CASES = [
    pytest.param(o, mode, id=f"{o.method.upper()} {o.path} {mode.value}")
    for o in OPERATIONS
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or len(o.body) + len(o.query) + len(o.path_parameters)
]


@dataclass(frozen=True)
class Sender:
    """A token and who it is, for the messages."""

    name: str
    role: Role
    token: str


def senders(served: Served) -> list[Sender]:
    """Every role: the staff roles, and a municipality token in and out of scope."""
    return [
        Sender(Role.ADMIN.value, Role.ADMIN, served.tokens[Role.ADMIN]),
        Sender(Role.COORDINATOR.value, Role.COORDINATOR, served.tokens[Role.COORDINATOR]),
        Sender(Role.VIEWER.value, Role.VIEWER, served.tokens[Role.VIEWER]),
        Sender(f"municipality {IN_SCOPE}", Role.MUNICIPALITY, served.tokens[Role.MUNICIPALITY]),
        Sender(f"municipality {OUT_OF_SCOPE}", Role.MUNICIPALITY, served.out_of_scope),
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
        check_every_role(case, served, mode)

    fuzz()


def check_every_role(case: Any, served: Served, mode: GenerationMode) -> None:
    """Send `case` with each role's token and check what comes back.

    Last, if it names a municipality, once more with the in-scope municipality
    token for its own municipality.
    """
    rule = API_RULES[(case.method.upper(), case.path)]
    everyone = senders(served)
    for sender in everyone:
        allowed = sender.role in rule.roles or (
            sender.role is Role.MUNICIPALITY and rule.own_municipality
        )
        if allowed and (case.method.upper(), case.path) in ADMIN_SKIPS:
            continue
        send_and_check(case, served, sender, mode)
    number = case.path_parameters.get(MUNICIPALITY_PARAMETER)
    # A negative case whose path is what breaks the schema stays as generated:
    # with the number replaced it would be another request than the one described.
    if number not in (None, IN_SCOPE) and not case.meta.is_negative_at(ParameterLocation.PATH):
        case.path_parameters = {**case.path_parameters, MUNICIPALITY_PARAMETER: IN_SCOPE}
        in_scope = next(s for s in everyone if s.token == served.tokens[Role.MUNICIPALITY])
        send_and_check(case, served, in_scope, mode)


def send_and_check(case: Any, served: Served, sender: Sender, mode: GenerationMode) -> None:
    """One request: the checks, and a refused one writes nothing."""
    # The token goes into the case itself, not only onto the wire, so that
    # schemathesis judges the request as sent: it revalidates the headers, and a
    # generated `Authorization` (missing or malformed, all a negative case may
    # break there) no longer counts as the invalid part.
    headers = case.headers.copy()
    headers["Authorization"] = f"Bearer {sender.token}"
    case.headers = headers
    before = served.settled_counts()
    response = case.call(base_url=served.url)
    print(
        "FUZZ",
        sender.name,
        case.method,
        case.formatted_path,
        response.status_code,
        response.text[:150],
    )
    # An accepted write may start a workflow that writes a moment later; a read
    # starts none (and if one ever wrote, the next refused request would show it).
    served.unsettled = response.status_code < 400 and case.method.upper() != "GET"
    try:
        case.validate_response(
            response, checks=NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS
        )
    except FailureGroup as group:
        if not all(negative_false_positive(case, failure) for failure in group.exceptions):
            raise
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and body.get("error") and body.get("message"), (
            sender.name,
            response.status_code,
            body,
        )
        after = served.table_counts()
        assert after == before, (
            f"{sender.name}: {case.method} {case.formatted_path} was refused "
            f"({response.status_code}) but wrote rows: {changes(before, after)}"
        )


def negative_false_positive(case: Any, failure: Exception) -> bool:
    """True for schemathesis' evidence mutation when the request sent is valid after all."""
    return (
        isinstance(failure, AcceptedNegativeData)
        and (case.method.upper(), case.path) in NEGATIVE_FALSE_POSITIVES
        and EVIDENCE_MUTATION.search(failure.message) is not None
        and request_is_valid(case)
    )


def request_is_valid(case: Any) -> bool:
    """The request as sent is valid by the document: its body and its parameters."""
    definition = case.operation.definition.raw
    sent = {"path": case.path_parameters, "query": case.query}
    for parameter in definition.get("parameters", []):
        values = sent.get(parameter["in"], {})
        if parameter["name"] not in values:
            if parameter.get("required"):
                return False
            continue
        if not is_valid(parameter["schema"], values[parameter["name"]]):
            return False
    content = definition.get("requestBody", {}).get("content", {})
    if case.media_type not in content:
        return False
    return is_valid(content[case.media_type]["schema"], case.body)


def is_valid(schema: dict[str, Any], value: Any) -> bool:
    """`value` against `schema`, its $refs resolved in the document's components."""
    rooted = {**schema, "components": DOCUMENT["components"]}
    validator = jsonschema.Draft202012Validator(
        rooted, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return bool(validator.is_valid(value))


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


# An offset past SQLite's 64-bit integers failed with 500 (an overflow binding it):
# the document now gives every offset a maximum, and a larger one is a 422 naming it.
@pytest.mark.parametrize(
    ("path", "role", "offset"),
    [("/api/notifications", Role.VIEWER, 2**70), ("/api/audit", Role.ADMIN, 2**63)],
)
def test_found_by_fuzzing_an_offset_beyond_any_database_is_422(
    served: Served, path: str, role: Role, offset: int
) -> None:
    response = httpx.get(
        f"{served.url}{path}",
        params={"offset": str(offset)},
        headers={"Authorization": f"Bearer {served.tokens[role]}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "offset"


def test_found_by_fuzzing_a_bulk_deadline_for_an_unknown_obligation_is_422(
    served: Served,
) -> None:
    # obligation_id outside the document's enum: refused as a whole (as the single
    # municipality's PUT refuses it), not a 200 in which every municipality failed.
    before = served.settled_counts()
    response = httpx.post(
        f"{served.url}/api/bulk/deadlines",
        json={
            "numbers": [IN_SCOPE],
            "deadline": "2099-01-01",
            "reason": "fuzz",
            "obligation_id": "not_an_obligation",
        },
        headers={"Authorization": f"Bearer {served.tokens[Role.COORDINATOR]}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "obligation_id"
    assert served.table_counts() == before
