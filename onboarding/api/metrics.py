"""Prometheus metrics of the API process: `GET /metrics`, and a count of every request.

Not under /api and without a token, as Prometheus scrapes it; it holds counts
only (routes, status codes, what this process's registry has), no names or
numbers of municipalities. Keep it off the public ingress (deploy/README.md).
"""

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import Scope

from onboarding.api.response_watcher import ResponseWatcher
from onboarding.observability.metrics import API_REQUESTS

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """This process's metrics in the Prometheus text format."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _route_template(scope: Scope) -> str:
    """The path with its parameters named (/api/municipalities/{number}): one series per
    route, however many municipalities there are; a path nothing matched is one series."""
    if scope.get("route") is None:
        return "unmatched"
    by_value = {str(value): name for name, value in scope.get("path_params", {}).items()}
    return "/".join(
        f"{{{by_value[part]}}}" if part in by_value else part for part in scope["path"].split("/")
    )


class RequestCounter(ResponseWatcher):
    """Counts each HTTP request by method, route template and status."""

    def finished(self, scope: Scope, status: int) -> None:
        # The router has filled in scope["route"] and scope["path_params"] by now.
        API_REQUESTS.labels(
            method=scope["method"], route=_route_template(scope), status=status
        ).inc()


def install_metrics(app: FastAPI) -> None:
    """Serve /metrics and count each request by method, route template and status."""
    app.include_router(router)
    app.add_middleware(RequestCounter)
