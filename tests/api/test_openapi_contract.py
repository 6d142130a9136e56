"""The OpenAPI document as a contract: what it says about auth, methods and names holds.

Found by schemathesis (`--checks all`) against the running app: public
operations documented as needing a token, 405 answers whose `Allow` left out
documented methods, and operation ids too long for a generated client to
name things by. The last test generates a client from the document with
openapi-python-client (offline, no formatter) and drives a real transition
with it, a refused one coming back as the typed 409 body.
"""

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from onboarding.access import API_RULES
from onboarding.embedded.app import create_app
from onboarding.settings import Settings
from onboarding.store.tokens import Role
from tests.helpers.api import SIGN, Api

# The operations anyone may call, without a token.
PUBLIC_OPERATIONS = {("GET", "/api/health"), ("GET", "/api/health/ready")}
PROTECTED_SECURITY = [{"HTTPBearer": []}]

# Methods a path answers that the document leaves out: the codec's CORS preflight
# (the browser sends it; no client would). A 405's Allow names them too.
UNDOCUMENTED_METHODS = {"/api/codec/{action}": {"OPTIONS"}}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")

MAX_ID_LENGTH = 40
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")

# In a venv of its own (`make codegen`): it caps httpx and typer below the project's.
GENERATOR = Path(__file__).resolve().parents[2] / ".venv-codegen" / "bin" / "openapi-python-client"
PACKAGE = "onboarding_api_client"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # Creating the app connects to nothing; the document needs no server.
    spec: dict[str, Any] = create_app(Settings(home=tmp_path_factory.mktemp("doc"))).openapi()
    return spec


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


# -- security ---------------------------------------------------------------------


def test_exactly_the_public_operations_need_no_token(document: dict[str, Any]) -> None:
    assert "security" not in document, "no document-wide requirement: each operation says"
    public = {(m, p) for m, p, op in _operations(document) if op.get("security") == []}
    assert public == PUBLIC_OPERATIONS
    # The same operations as the authorization matrix lets through without a token.
    documented = {(m, p) for m, p, _ in _operations(document)}
    assert {key for key, rule in API_RULES.items() if rule.public} & documented == public
    for method, path, operation in _operations(document):
        if (method, path) not in PUBLIC_OPERATIONS:
            assert operation["security"] == PROTECTED_SECURITY, (method, path)
    assert "HTTPBearer" in document["components"]["securitySchemes"]


# -- 405 and Allow ------------------------------------------------------------------


async def test_a_wrong_method_is_405_allowing_every_documented_method(
    document: dict[str, Any], tmp_path: Path
) -> None:
    """For every path of the document and every method it does not answer."""
    # The 405 comes from routing, before authentication or any collaborator.
    app = create_app(Settings(home=tmp_path))
    transport = httpx.ASGITransport(app=app)
    checked = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        for path, item in document["paths"].items():
            allowed = {method.upper() for method in item} | UNDOCUMENTED_METHODS.get(path, set())
            url = re.sub(r"\{[^}]+\}", "1", path)
            for method in sorted(set(METHODS) - allowed):
                response = await http.request(method, url)
                assert response.status_code == 405, (method, url, response.text)
                allow = {m.strip() for m in response.headers["allow"].split(",")}
                assert allow == allowed, (method, path)
                if method != "HEAD":
                    assert response.json()["error"] == "method_not_allowed"
                checked += 1
    assert checked > len(document["paths"])


async def test_a_path_with_a_route_per_method_allows_them_all(tmp_path: Path) -> None:
    # GET and PUT of the contacts are two routes; the router alone named the first.
    transport = httpx.ASGITransport(app=create_app(Settings(home=tmp_path)))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        response = await http.post("/api/municipalities/5001/contacts")
        assert (response.status_code, response.headers["allow"]) == (405, "GET, PUT")
        response = await http.patch("/api/users")
        assert (response.status_code, response.headers["allow"]) == (405, "GET, POST")


# -- operation ids -------------------------------------------------------------------


def test_operation_ids_are_short_unique_snake_case(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for operation_id in ids:
        assert SNAKE_CASE.fullmatch(operation_id), operation_id
        assert len(operation_id) <= MAX_ID_LENGTH, operation_id
    by_operation = {(m, p): op["operationId"] for m, p, op in _operations(document)}
    assert by_operation[("POST", "/api/municipalities/{number}/transitions")] == (
        "record_transition"
    )
    assert by_operation[("GET", "/api/health")] == "health"


def test_the_document_holds_the_api_only(document: dict[str, Any]) -> None:
    # The pages (/, /waves, /admin/...) stay out of it.
    assert all(path.startswith("/api/") for path in document["paths"])


# -- a generated client -------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A client package generated from the document, importable as PACKAGE."""
    root = tmp_path_factory.mktemp("client")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(document))
    # No post hooks: the default ones run `ruff` from PATH (which may not have the
    # venv's) over the output; formatting the generated code proves nothing here.
    # The generator knows no text/csv body (POST /api/parties/import): a client sends the
    # file's bytes, as it does an octet-stream body.
    config = root / "config.yaml"
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  text/csv: application/octet-stream\n"
    )
    assert GENERATOR.is_file(), f"{GENERATOR} is missing: run `make codegen`"
    command = [
        str(GENERATOR),
        "generate",
        "--path",
        str(spec),
        "--output-path",
        str(root / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
        "--fail-on-warning",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield root / PACKAGE
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_generated_functions_are_named_by_the_short_ids(
    generated: Path, document: dict[str, Any]
) -> None:
    modules = {path.stem for path in (generated / "api").glob("*/*.py") if path.stem != "__init__"}
    assert modules == {op["operationId"] for _, _, op in _operations(document)}
    assert (generated / "api" / "municipalities" / "record_transition.py").is_file()
    record_transition = _module("api.municipalities.record_transition")
    assert callable(record_transition.asyncio_detailed)


async def test_generated_client_drives_a_transition_and_types_the_409(
    generated: Path, api: Api
) -> None:
    client_module = _module("client")
    record_transition = _module("api.municipalities.record_transition")
    health = _module("api.health.health")
    models = _module("models")
    [number] = await api.start()

    def httpx_args() -> dict[str, Any]:
        return {"transport": httpx.ASGITransport(app=api.app)}

    # Public: no token at all.
    async with client_module.Client(base_url="http://api.test", httpx_args=httpx_args()) as anon:
        answer = await health.asyncio_detailed(client=anon)
        assert answer.status_code == 200
        assert isinstance(answer.parsed, models.Health)

    async with client_module.AuthenticatedClient(
        base_url="http://api.test",
        token=api.secrets[Role.COORDINATOR],
        httpx_args=httpx_args(),
        raise_on_unexpected_status=True,
    ) as coordinator:
        signed = await record_transition.asyncio_detailed(
            number, client=coordinator, body=models.TransitionRequest.from_dict(SIGN)
        )
        assert signed.status_code == 200, signed.content
        view = signed.parsed
        assert isinstance(view, models.MunicipalityView)
        assert (view.number, view.stage) == (number, models.Stage.COLLABORATION_SIGNED)
        assert view.last_transition.effective_on == date(2017, 3, 15)

        # go_live is not allowed from collaboration_signed: the 409, typed.
        go_live = models.TransitionRequest(trigger=models.Trigger.GO_LIVE)
        refused = await record_transition.asyncio_detailed(number, client=coordinator, body=go_live)
        assert refused.status_code == 409, refused.content
        body = refused.parsed
        assert isinstance(body, models.RefusedBody), body
        assert (body.error, body.trigger, body.stage) == (
            "invalid_transition",
            "go_live",
            "collaboration_signed",
        )
        assert "exercise_option" in body.allowed_triggers
        assert "go_live" not in body.allowed_triggers

    assert [(r["trigger"], r["to_stage"]) for r in api.history(number)] == [
        ("sign_collaboration", "collaboration_signed")
    ]
