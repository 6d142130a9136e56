"""The engine behind a party, for admins: its workflow runs and their histories in Temporal.

The same summary as GET /api/municipalities/{number}/engine/history, with links
into the Temporal web UI when one is configured. The domain history (the
timeline) outlives Temporal's retention; runs Temporal no longer keeps are named.
"""

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response
from temporalio.service import RPCError

from onboarding.api.deps import TemporalDep
from onboarding.gateway.history import engine_history
from onboarding.gateway.parties import EngineUnavailable
from onboarding.store import queries
from onboarding.web.page import AdminPage, PageRefused
from onboarding.web.pages.municipality import party_row
from onboarding.web.party_paths import PartyPath, party_route
from onboarding.web.temporal_ui import workflow_url
from workflows.names import party_workflow_id

router = APIRouter()


@party_route(router, "GET", "/engine")
async def engine_page(number: PartyPath, page: AdminPage, client: TemporalDep) -> Response:
    """Every run of the party's workflow: status, event counts, Temporal UI links."""
    row = await asyncio.to_thread(party_row, page, number)
    noted = await asyncio.to_thread(queries.workflow_runs, page.engine, number=number)
    workflow_id = party_workflow_id(number)
    try:
        history = await engine_history(
            client,
            workflow_id,
            [run.run_id for run in noted],
            ui_base=page.settings.temporal_ui_url or "",
        )
    except (EngineUnavailable, RPCError):
        raise PageRefused(503, "error.engine_unavailable") from None
    return page.render(
        "engine.html",
        municipality=row,
        workflow_id=workflow_id,
        history=history,
        noted={run.run_id: run.first_seen_at for run in noted},
        ui_url=workflow_url(page.settings, number),
        show_links=bool(page.settings.temporal_ui_url),
    )
