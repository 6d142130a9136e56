"""One router per resource, all mounted under /api."""

from fastapi import APIRouter

from onboarding.api.routes import bulk, health, municipalities, process, region, reports, users

api_router = APIRouter(prefix="/api")
for _module in (health, municipalities, bulk, reports, process, users, region):
    api_router.include_router(_module.router)
