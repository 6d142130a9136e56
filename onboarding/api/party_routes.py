"""/api/parties/{number}/...: every route of one municipality, served for a party of any kind.

The routes of one municipality (`/api/municipalities/{number}/...`, in their
resource's router) are the same functions for every kind of party: a party's
id is its workflow's and its read-model row's key. `party_view` mirrors each
of them under `/api/parties/{number}/...` (tag `parties`) with the same
endpoint, wrapped only so that its signature says what the party path takes:
a party id (PARTY_ID_PATTERN) where the municipality route takes a 4-digit
number, and the obligations of every kind's process where it takes the
municipality's. FastAPI reads a route's parameters from `__signature__`, so the
OpenAPI document states exactly what each prefix accepts, and a sync endpoint
stays sync (run on the thread pool) and an async one async.
"""

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor

from onboarding.domain.party import PARTY_ID_PATTERN
from onboarding.domain.process.registry import PROCESSES

MUNICIPALITY_PREFIX = "/municipalities/{number}"
# The segment after /parties is a party id unless it names one of the collection's
# own routes (POST /api/parties/import): a convertor keeps those apart when routing,
# so /api/parties/import never reaches a party route; the Path pattern below still
# answers 422 for anything else that is not a party id.
COLLECTION_ROUTES = ("import",)
CONVERTOR = "party"
PARTY_PREFIX = f"/parties/{{number:{CONVERTOR}}}"
TAG = "parties"


def segment_except(*reserved: str) -> Convertor[str]:
    """A path segment that may be an id: any but its collection's own route names (`reserved`),
    so those routes never reach the route of one item (nor its Allow header)."""

    class Segment(Convertor[str]):
        regex = "(?!(?:" + "|".join(reserved) + ")(?:/|$))[^/]+"

        def convert(self, value: str) -> str:
            return value

        def to_string(self, value: str) -> str:
            return value

    return Segment()


register_url_convertor(CONVERTOR, segment_except(*COLLECTION_ROUTES))

PartyIdPath = Annotated[
    str,
    Path(
        pattern=PARTY_ID_PATTERN,
        description="the party's id",
        examples=["5001", "gp-923609016"],
    ),
]


# Every obligation some kind's process opens: a party route takes any of them (the
# party's workflow refuses one its own process lacks, naming those it has).
PARTY_OBLIGATION_IDS = list(
    dict.fromkeys(rule.id.value for process in PROCESSES.values() for rule in process.obligations)
)

PartyObligationPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z_]{1,64}$",
        description="obligation id: the trigger that fulfils it, e.g. exercise_option",
        json_schema_extra={"enum": PARTY_OBLIGATION_IDS},
    ),
]

# The parameters a party route reads otherwise than the municipality route.
PARTY_PARAMETERS: dict[str, Any] = {"number": PartyIdPath, "obligation_id": PartyObligationPath}


def party_view(routers: Iterable[APIRouter]) -> APIRouter:
    """A router with a party route for every one-municipality route of `routers`."""
    view = APIRouter(tags=[TAG])
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and _of_one_municipality(route.path):
                _mirror(view, route)
    return view


def _of_one_municipality(path: str) -> bool:
    return path == MUNICIPALITY_PREFIX or path.startswith(MUNICIPALITY_PREFIX + "/")


def _mirror(view: APIRouter, route: APIRoute) -> None:
    view.add_api_route(
        PARTY_PREFIX + route.path.removeprefix(MUNICIPALITY_PREFIX),
        for_parties(route.endpoint),
        response_model=route.response_model,
        status_code=route.status_code,
        dependencies=route.dependencies,
        summary=route.summary,
        description=route.description,
        response_description=route.response_description,
        responses=route.responses,
        deprecated=route.deprecated,
        methods=route.methods,
        response_model_exclude_none=route.response_model_exclude_none,
        response_class=route.response_class,
        name=party_name(route.name),
        openapi_extra=route.openapi_extra,
    )


def party_name(name: str) -> str:
    """The party route's name (its operationId), from the municipality route's."""
    if "municipality" in name:
        return name.replace("municipality", "party")
    return f"{name}_for_party"


def for_parties(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint`, whose `number` parameter FastAPI reads as a party id (PARTY_PARAMETERS)."""
    signature = inspect.signature(endpoint, eval_str=True)
    parameters = [
        parameter.replace(annotation=PARTY_PARAMETERS[parameter.name])
        if parameter.name in PARTY_PARAMETERS
        else parameter
        for parameter in signature.parameters.values()
    ]
    view: Callable[..., Any]
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def view(*args: Any, **kwargs: Any) -> Any:
            return await endpoint(*args, **kwargs)

    else:

        @functools.wraps(endpoint)
        def view(*args: Any, **kwargs: Any) -> Any:
            return endpoint(*args, **kwargs)

    view.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return view
