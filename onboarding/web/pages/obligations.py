"""Setting or moving an obligation's deadline from a page, through the same workflow update
the API's PUT uses."""

import uuid

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.obligations.models import DeadlineCommand, DeadlineRequest, ObligationView
from onboarding.domain.parties.models import MunicipalityView
from onboarding.gateway import parties as gateway
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import CoordinatorPage, Page, PageRefused, attempt
from onboarding.web.pages.municipality import known_state
from onboarding.web.party_paths import PartyPath, party_path, party_route

router = APIRouter()


async def _obligation(client: TemporalDep, number: str, obligation_id: str) -> ObligationView:
    for obligation in await gateway.obligations(client, number):
        if obligation.id == obligation_id:
            return obligation
    raise PageRefused(404, "error.unknown_obligation", obligation=obligation_id)


@party_route(router, "GET", "/obligations/{obligation_id}")
async def deadline_form(
    number: PartyPath, obligation_id: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """The form to set or move a deadline, with a reason."""
    view = await known_state(page, client, number)
    obligation = await _obligation(client, number, obligation_id)
    return _render(page, view, obligation, values={}, errors=FormErrors())


@party_route(router, "POST", "/obligations/{obligation_id}")
async def set_deadline(
    number: PartyPath, obligation_id: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """Set the deadline; the form again with the error named by field if refused."""
    form = await page.form()
    view = await known_state(page, client, number)
    obligation = await _obligation(client, number, obligation_id)
    values = {name: text(form, name) for name in ("deadline", "reason", "idempotency_key")}
    errors = FormErrors()
    try:
        request = DeadlineRequest(
            deadline=values["deadline"],
            reason=values["reason"],
            idempotency_key=values["idempotency_key"] or None,
        )
    except ValidationError as err:
        errors.add_validation(err)
        return _render(page, view, obligation, values=values, errors=errors)
    command = DeadlineCommand(**request.model_dump(), obligation_id=obligation_id, actor=page.actor)
    await attempt(errors, gateway.set_deadline(client, number, command))
    if errors:
        return _render(page, view, obligation, values=values, errors=errors)
    return RedirectResponse(f"{party_path(number)}?done=deadline", status_code=303)


def _render(
    page: Page,
    view: MunicipalityView,
    obligation: ObligationView,
    *,
    values: dict[str, str],
    errors: FormErrors,
) -> Response:
    return page.render(
        "deadline.html",
        status=errors.status,
        view=view,
        obligation=obligation,
        values=values,
        errors=errors,
        today=today_in_oslo(),
        # A fresh key per form shown: a double submit records once, a corrected one anew.
        idempotency_key=uuid.uuid4().hex,
    )
