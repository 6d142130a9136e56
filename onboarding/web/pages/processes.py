"""The process pages: every version of each kind's process, and one version with what changed.

The same definitions as GET /api/processes, one table per kind of party
(municipality, GP office, private specialist, hospital): each version's diagram (drawn
from its own transitions), triggers with the evidence they require,
obligations and checklist, and the diff from the version before it.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from onboarding.domain.process.diff import process_diff
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import PROCESSES, keys, latest, versions
from onboarding.web.diagram import render_svg
from onboarding.web.page import PageRefused, ViewerPage

router = APIRouter()

KeyPath = Annotated[str, Path(max_length=40)]
# Any integer reaches the handler, so a wrong one gets this page's 404, not a 422.
VersionPath = Annotated[int, Path()]


@dataclass(frozen=True)
class Kind:
    """One kind of party's process on the list: its versions, newest first."""

    key: str
    versions: list[ProcessDefinition]
    newest: int


@router.get("/processes")
async def processes_page(page: ViewerPage) -> Response:
    """Every version of every process, newest first, and which one new parties start on."""
    kinds = [
        Kind(key=key, versions=versions(key)[::-1], newest=latest(key).version) for key in keys()
    ]
    return page.render("processes.html", kinds=kinds)


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
