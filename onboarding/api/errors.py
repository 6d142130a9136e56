"""Every error the API answers with, as a JSON object with `error` and `message`.

Domain errors keep the shape of their `to_detail()`; the status follows the
error class (see `STATUS_BY_ERROR`). Validation errors name the field in the
same dotted form the domain uses (`evidence.case_ref`, `effective_on`), so a
client corrects itself the same way whichever layer refused it.
"""

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute
from temporalio.service import RPCError

from onboarding.domain.errors import (
    MigrationExists,
    NotEligible,
    ObligationNotOpen,
    OnboardingError,
    PartyExists,
    ReformExists,
    RequestRejected,
    TransitionRefused,
    UnknownMigration,
    UnknownMunicipality,
    UnknownReform,
    UnknownWave,
    WaveRefused,
)
from onboarding.gateway.parties import EngineUnavailable, engine_unreachable

# Most specific first: the first class the error is an instance of wins.
STATUS_BY_ERROR: tuple[tuple[type[OnboardingError], int], ...] = (
    (TransitionRefused, 409),
    (ObligationNotOpen, 409),
    (WaveRefused, 409),
    (NotEligible, 409),
    (MigrationExists, 409),
    (PartyExists, 409),
    (ReformExists, 409),
    (RequestRejected, 422),
    (UnknownMunicipality, 404),
    (UnknownWave, 404),
    (UnknownMigration, 404),
    (UnknownReform, 404),
    (EngineUnavailable, 503),
)

_LOCATIONS = {"body", "query", "path", "header", "cookie"}

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error of the HTTP layer itself (authentication, authorisation)."""

    status_code = 400
    code = "bad_request"
    headers: dict[str, str] | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ApiError):
    """No token, or one that is unknown, revoked or expired."""

    status_code = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    """The token's role is too low for this request."""

    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    """No such resource (municipalities have their own domain error)."""

    status_code = 404
    code = "not_found"


# -- bodies, for the OpenAPI document --------------------------------------------


class ErrorBody(BaseModel):
    """An error: a stable code and a message for people; some codes add fields."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(examples=["not_found"])
    message: str


class RejectedBody(ErrorBody):
    """The request was wrong; `field` names what to correct. Nothing was changed."""

    error: str = Field(examples=["invalid_request"])
    field: str = Field(examples=["evidence.case_ref"])


class FieldError(BaseModel):
    """One fault of a request that failed validation."""

    field: str
    message: str


class ValidationBody(RejectedBody):
    """The request failed validation: the first fault, then all of them."""

    errors: list[FieldError] = Field(default_factory=list)


class RefusedBody(ErrorBody):
    """The trigger may not fire from the current stage. Nothing was changed."""

    error: str = Field(examples=["invalid_transition"])
    trigger: str
    stage: str
    allowed_triggers: list[str]
    missing_conditions: list[str]


class ObligationConflictBody(ErrorBody):
    """The obligation is not open in the municipality's stage. Nothing was changed."""

    error: str = Field(examples=["obligation_not_open"])
    obligation_id: str
    stage: str
    open_obligations: list[str]


class WaveConflictBody(ErrorBody):
    """The wave's status (or a member's) does not allow this. Nothing was changed."""

    error: str = Field(examples=["invalid_wave_state"])
    wave_id: str
    status: str


class MigrationConflictBody(ErrorBody):
    """A migration run with that id was started already. Nothing was started."""

    error: str = Field(examples=["migration_exists"])
    migration_id: str


class NotEligibleBody(ErrorBody):
    """The municipality's stage keeps it out of a wave. Nothing was changed."""

    error: str = Field(examples=["not_eligible"])
    number: str
    stage: str
    eligible_stages: list[str]


class PartyConflictBody(ErrorBody):
    """Another party is registered under that id or organisation number. Nothing was started."""

    error: str = Field(examples=["party_exists"])
    field: str = Field(examples=["org_number"])
    number: str = Field(description="the registered party's id")


# Every 409 the API gives; one schema for all, so each route documents them whole.
ConflictBody = (
    RefusedBody
    | ObligationConflictBody
    | WaveConflictBody
    | NotEligibleBody
    | MigrationConflictBody
    | PartyConflictBody
)

_RESPONSES: dict[int, tuple[Any, str]] = {
    401: (ErrorBody, "missing, unknown, revoked or expired bearer token"),
    403: (ErrorBody, "the token's role does not allow this"),
    404: (ErrorBody, "no such municipality (or token)"),
    409: (
        ConflictBody,
        "not allowed in the current state: a transition from this stage, an obligation "
        "not open, a wave's status, a municipality's stage for a wave, a party registered "
        "already with other facts",
    ),
    422: (ValidationBody, "the request is invalid; `field` names what to correct"),
    503: (
        ErrorBody,
        "the workflow engine or the database is unavailable; with `outcome: unknown` the "
        "engine took the request but its answer was lost: repeat it to learn the outcome",
    ),
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses."""
    return {
        status: {"model": _RESPONSES[status][0], "description": _RESPONSES[status][1]}
        for status in statuses
    }


# -- handlers --------------------------------------------------------------------


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as a JSON object with `error` and `message`."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(OnboardingError, _onboarding_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RPCError, _rpc_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(HTTPException, _http_error)
    # Last resort: Starlette still re-raises the error, so the server logs it.
    app.add_exception_handler(Exception, _internal_error)


def status_of(err: OnboardingError) -> int:
    """The HTTP status of a domain error."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(err, cls):
            return status
    return 500


def domain_error_of_rpc(err: RPCError) -> OnboardingError:
    """A Temporal RPC failure that escaped the gateway, as a domain error."""
    if engine_unreachable(err):
        return EngineUnavailable(f"the workflow engine is unavailable: {err.message}")
    return OnboardingError(f"workflow engine error: {err.message}")


async def _api_error(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, ApiError)
    return JSONResponse(
        {"error": err.code, "message": err.message},
        status_code=err.status_code,
        headers=err.headers,
    )


async def _onboarding_error(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, OnboardingError)
    status = status_of(err)
    if status >= 500:
        logger.warning("answered %s: %s", status, err)
    return JSONResponse(err.to_detail(), status_code=status)


async def _rpc_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RPCError)
    return await _onboarding_error(request, domain_error_of_rpc(err))


async def _database_error(_: Request, err: Exception) -> JSONResponse:
    # The driver's message may hold connection details: keep it in the logs.
    logger.warning("database unavailable: %s", err)
    return JSONResponse(
        {"error": "database_unavailable", "message": "the database is unavailable"},
        status_code=503,
    )


async def _http_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, HTTPException)
    if err.status_code == 400:
        # Starlette's only 400: a body that cannot be parsed at all (not UTF-8,
        # not JSON). It is bad input like any other: 422 naming the body.
        body = ValidationBody(
            error=RequestRejected.code,
            field="body",
            message=f"the body cannot be read as JSON: {err.detail}",
            errors=[FieldError(field="body", message=str(err.detail))],
        )
        return JSONResponse(body.model_dump(), status_code=422)
    headers = err.headers
    if err.status_code == 405:
        allowed = allowed_methods(request)
        if allowed:
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed))}
    codes = {404: "not_found", 405: "method_not_allowed"}
    return JSONResponse(
        {"error": codes.get(err.status_code, "http_error"), "message": str(err.detail)},
        status_code=err.status_code,
        headers=headers,
    )


def allowed_methods(request: Request) -> set[str]:
    """Every method some route of the app answers at the request's path.

    The `Allow` of a 405. The router stops at the first route whose path
    matches and names only that route's methods; where one path has several
    routes (GET and PUT defined apart), that would leave some out.
    """
    # The path as the routes see it: below the app's root (as deps.route_path_of).
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    methods: set[str] = set()
    for route in _routes(request.app.routes):
        route_methods = getattr(route, "methods", None)
        regex = getattr(route, "path_regex", None)
        if route_methods and regex is not None and regex.match(path):
            methods |= set(route_methods)
    return methods


def _routes(routes: Iterable[BaseRoute]) -> Iterator[Any]:
    """The app's routes, those of included routers among them.

    Newer FastAPI keeps an included router as one entry of `app.routes` and
    walks it with `iter_route_contexts`; older versions copied its routes in.
    """
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    return iter(walk(list(routes)) if walk is not None else routes)


async def _internal_error(_: Request, err: Exception) -> JSONResponse:
    return JSONResponse(
        {"error": "internal_error", "message": "internal server error; see the API log"},
        status_code=500,
    )


async def _validation_error(_: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    faults = field_errors(err.errors())
    first = faults[0] if faults else FieldError(field="body", message="invalid request")
    body = ValidationBody(
        error=RequestRejected.code,
        field=first.field,
        message=first.message,
        errors=faults,
    )
    return JSONResponse(body.model_dump(), status_code=422)


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic errors as (dotted field, message), the way the API names them.

    The pages use it too, so a form names a field exactly as the API would.
    """
    return [_fault(error) for error in errors]


def _fault(error: dict[str, Any]) -> FieldError:
    """One pydantic error as (dotted field, message)."""
    ctx = error.get("ctx") or {}
    # The evidence validator (models.TransitionRequest) and our own model
    # validators put the precise field and message in the context.
    if isinstance(ctx.get("field"), str):
        return FieldError(field=ctx["field"], message=str(ctx.get("message") or error["msg"]))
    parts = list(error.get("loc", ()))
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if error.get("type") == "json_invalid" or not parts:
        return FieldError(field="body", message=str(error["msg"]))
    loc = [str(part) for part in parts]
    if isinstance(parts[0], int):
        # An entry of a body that is a list (contacts): `[1].email`, not `1.email`.
        loc[0] = f"[{parts[0]}]"
    return FieldError(field=".".join(loc), message=str(error["msg"]))
