"""One router per resource, all mounted under /api.

Every route passes the authorization matrix first (onboarding/access.py,
enforced by `enforce_access`, a dependency of the whole /api router).
"""

from fastapi import APIRouter, Depends

from onboarding.api.deps import enforce_access
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
    process,
    reconcile,
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
    users,
    region,
    reconcile,
    codec,
    audit,
    engine,
    worklist,
)
api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(enforce_access)])
for _module in API_MODULES:
    api_router.include_router(_module.router)
