"""Marking a readiness checklist item done, through the same workflow update the API uses.

The municipality's page carries a small form per open item; a refused one (a
future date, a municipality in no wave) comes back as this item's own form
page, with the error next to its field.
"""

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.waves.models import (
    ChecklistCommand,
    ChecklistItemView,
    ChecklistRequest,
    ChecklistView,
)
from onboarding.gateway import waves as wave_engine
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import CoordinatorPage, Page, PageRefused, attempt
from onboarding.web.pages.municipality import known_state
from onboarding.web.party_paths import PartyPath, party_path, party_route

router = APIRouter()


async def _item(
    client: TemporalDep, number: str, item: str
) -> tuple[ChecklistView, ChecklistItemView]:
    checklist = await wave_engine.checklist(client, number)
    for found in checklist.items:
        if found.id == item:
            return checklist, found
    raise PageRefused(404, "error.unknown_item", item=item)


@party_route(router, "GET", "/checklist/{item}")
async def item_form(
    number: PartyPath, item: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """The form to mark one item done: the date it was done and its evidence."""
    view = await known_state(page, client, number)
    checklist, found = await _item(client, number, item)
    return _render(page, view.name, number, checklist, found, values={}, errors=FormErrors())


@party_route(router, "POST", "/checklist/{item}")
async def mark_done(
    number: PartyPath, item: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """Mark the item done; its form with the error named by field if refused."""
    form = await page.form()
    view = await known_state(page, client, number)
    checklist, found = await _item(client, number, item)
    values = {n: text(form, n) for n in ("done_on", "evidence.document_ref", "comment")}
    errors = FormErrors()
    try:
        request = ChecklistRequest(
            done_on=values["done_on"] or None,
            evidence=(
                {"document_ref": values["evidence.document_ref"]}
                if values["evidence.document_ref"]
                else {}
            ),
            comment=values["comment"] or None,
        )
    except ValidationError as err:
        errors.add_validation(err)
    else:
        command = ChecklistCommand(**request.model_dump(), item=item, actor=page.actor)
        await attempt(errors, wave_engine.complete_item(client, number, command))
    if errors:
        return _render(page, view.name, number, checklist, found, values=values, errors=errors)
    return RedirectResponse(f"{party_path(number)}?done=checklist#checklist", status_code=303)


def _render(
    page: Page,
    name: str,
    number: str,
    checklist: ChecklistView,
    item: ChecklistItemView,
    *,
    values: dict[str, str],
    errors: FormErrors,
) -> Response:
    return page.render(
        "checklist_item.html",
        status=errors.status,
        name=name,
        number=number,
        checklist=checklist,
        item=item,
        values=values,
        errors=errors,
        today=today_in_oslo(),
    )
