"""One router per page group; `page_router` holds them all.

A new page group (waves, the audit log) is a module with a `router` added to
PAGE_MODULES, its templates, an entry in onboarding.web.nav, and a rule per
route in onboarding/access.py (PAGE_RULES; a page without one is refused).
"""

from fastapi import APIRouter, Depends

from onboarding.web.page import enforce_page_access
from onboarding.web.pages import (
    admin,
    audit,
    checklist,
    contacts,
    corrections,
    dashboard,
    engine,
    municipality,
    obligations,
    parties,
    processes,
    signin,
    sso,
    wave_actions,
    waves,
)

PAGE_MODULES = (
    signin,
    sso,
    dashboard,
    parties,
    municipality,
    obligations,
    contacts,
    checklist,
    waves,
    wave_actions,
    processes,
    admin,
    audit,
    corrections,
    engine,
)

# Pages are not part of the API's OpenAPI document. Every page passes the
# authorization matrix first (onboarding/access.py: PAGE_RULES).
page_router = APIRouter(include_in_schema=False, dependencies=[Depends(enforce_page_access)])
for _module in PAGE_MODULES:
    page_router.include_router(_module.router)
