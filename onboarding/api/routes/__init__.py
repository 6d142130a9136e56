"""One router per resource, all mounted under /api."""

from fastapi import APIRouter

from onboarding.api.routes import (
    bulk,
    contacts,
    health,
    municipalities,
    notifications,
    obligations,
    process,
    region,
    reports,
    users,
)

api_router = APIRouter(prefix="/api")
for _module in (
    health,
    municipalities,
    contacts,
    bulk,
    reports,
    notifications,
    obligations,
    process,
    users,
    region,
):
    api_router.include_router(_module.router)
