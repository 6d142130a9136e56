"""The process pages: every version of the process, and one version with what changed.

The same definitions as GET /api/processes: each version's diagram (drawn
from its own transitions), triggers with the evidence they require,
obligations and checklist, and the diff from the version before it.
"""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from onboarding.domain.process.diff import process_diff
from onboarding.domain.process.registry import PROCESSES, latest
from onboarding.web.diagram import render_svg
from onboarding.web.page import PageRefused, ViewerPage

router = APIRouter()

KeyPath = Annotated[str, Path(max_length=40)]
# Any integer reaches the handler, so a wrong one gets this page's 404, not a 422.
VersionPath = Annotated[int, Path()]


@router.get("/processes")
async def processes_page(page: ViewerPage) -> Response:
    """Every version of every process, newest first, and which one new parties start on."""
    versions = sorted(PROCESSES.values(), key=lambda p: (p.key, -p.version))
    newest = {p.key: latest(p.key).version for p in versions}
    return page.render("processes.html", versions=versions, newest=newest)


@router.get("/processes/{key}/{version}")
async def process_page(key: KeyPath, version: VersionPath, page: ViewerPage) -> Response:
    """One version: its diagram, triggers and evidence, obligations, checklist, and its diff."""
    process = PROCESSES.get((key, version))
    if process is None:
        raise PageRefused(404, "error.unknown_process", process=key, version=version)
    previous = PROCESSES.get((key, version - 1))
    return page.render(
        "process.html",
        process=process,
        diagram=render_svg(page.t, process),
        previous=previous,
        diff=process_diff(previous, process) if previous is not None else None,
        newest=latest(key).version,
    )
