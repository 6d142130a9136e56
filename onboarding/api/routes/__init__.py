"""One router per resource, all mounted under /api.

The routes of one municipality are served for every party too
(/api/parties/{number}/..., onboarding/api/party_routes.py).

Every route passes the authorization matrix first (onboarding/access.py,
enforced by `enforce_access`, a dependency of the whole /api router).
"""

from fastapi import APIRouter, Depends

from onboarding.api.deps import enforce_access
from onboarding.api.party_routes import party_view
from onboarding.api.query_values import refuse_repeated_query_values
from onboarding.api.routes import (
    audit,
    bulk,
    checklist,
    codec,
    contacts,
    corrections,
    engine,
    health,
    migrations,
    municipalities,
    notifications,
    obligations,
    parties,
    process,
    reconcile,
    reforms,
    region,
    reports,
    users,
    waves,
    worklist,
)

API_PREFIX = "/api"
API_MODULES = (
    health,
    municipalities,
    parties,
    corrections,
    contacts,
    bulk,
    reports,
    notifications,
    obligations,
    checklist,
    waves,
    process,
    migrations,
    reforms,
    users,
    region,
    reconcile,
    codec,
    audit,
    engine,
    worklist,
)
api_router = APIRouter(
    prefix=API_PREFIX,
    dependencies=[Depends(enforce_access), Depends(refuse_repeated_query_values)],
)
for _module in API_MODULES:
    api_router.include_router(_module.router)
api_router.include_router(party_view(module.router for module in API_MODULES))
