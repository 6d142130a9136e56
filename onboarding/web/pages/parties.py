"""The party list: every party of every kind, filtered by kind, municipality and stage.

The filters are a GET form (a filtered list is a link to share), checked as the
admin lists' are: a wrong value is named by its field, the page answers 422
and lists nothing. Each party links to its page (onboarding.web.party_paths).
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.web.filters import listed, municipality_number, sent_values
from onboarding.web.forms import FormErrors
from onboarding.web.page import Page, ViewerPage
from onboarding.web.party_list import PartyFilters, party_lines

router = APIRouter()

FilterQuery = Annotated[str | None, Query(max_length=100)]


@router.get("/parties")
async def parties_page(
    page: ViewerPage,
    kind: FilterQuery = None,
    municipality: FilterQuery = None,
    stage: FilterQuery = None,
) -> Response:
    """The parties the filters let through, by kind and name, each with its stage."""
    sent = {"kind": kind, "municipality": municipality, "stage": stage}
    values = sent_values(sent.keys(), sent.values())
    return await asyncio.to_thread(_parties, page, values)


def _parties(page: Page, values: dict[str, str]) -> Response:
    errors = FormErrors()
    filters = PartyFilters(
        kind=listed(page.t, values, errors, "kind", PartyKind),
        municipality=municipality_number(page.t, values, errors),
        stage=listed(page.t, values, errors, "stage", Stage),
    )
    rows = [] if errors else party_lines(page.engine, filters)
    return page.render(
        "parties.html",
        status=422 if errors else 200,
        values=values,
        errors=errors,
        rows=rows,
        kinds=[(kind.value, page.t.kind(kind)) for kind in PartyKind],
        stages=[(stage.value, page.t.stage(stage)) for stage in Stage],
        filtered=any(values.values()),
    )
