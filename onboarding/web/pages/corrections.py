"""The correction form: amend a recorded transition's date or evidence, or void the last one.

Like POST /api/municipalities/{number}/corrections, it checks that the event is
this municipality's transition and sends a CorrectionCommand through
`onboarding.gateway.parties.correct`; the workflow checks the rest (only the last
transition may be voided, dates stay in order) before anything is written.
"""

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.parties.correction_records import CorrectionCommand, CorrectionRequest
from onboarding.domain.parties.models import MunicipalityView
from onboarding.domain.parties.process import process_of
from onboarding.domain.vocabulary import EVIDENCE_FIELDS, Trigger
from onboarding.gateway import parties as gateway
from onboarding.store import queries
from onboarding.store.tables.parties import AuditEventRow
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import CoordinatorPage, Page, PageRefused, attempt
from onboarding.web.pages.municipality import known_state
from onboarding.web.party_paths import PartyPath, party_path, party_route

router = APIRouter()

EventPath = Annotated[int, Path(ge=1)]


async def _transition(page: Page, number: str, event_id: int) -> AuditEventRow:
    event = await asyncio.to_thread(queries.audit_event, page.engine, event_id=event_id)
    if event is None or event.municipality_number != number:
        raise PageRefused(404, "correction.unknown_event", number=number, event=event_id)
    return event


def evidence_names(view: MunicipalityView, event: AuditEventRow) -> list[str]:
    """The evidence fields a correction of `event` may set: its trigger's and those it has.

    The trigger's as the party's version asks for them; the workflow checks the
    amendment against the version the transition was decided by.
    """
    required = process_of(view).required_evidence(Trigger(event.trigger))
    return [name for name in EVIDENCE_FIELDS if name in required or name in event.evidence]


@party_route(router, "GET", "/corrections/{event_id}")
async def correction_form(
    number: PartyPath, event_id: EventPath, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """The form, filled with the transition as it was recorded."""
    view = await known_state(page, client, number)
    event = await _transition(page, number, event_id)
    values = {"action": "amend", "effective_on": event.effective_on.isoformat()}
    values.update({f"evidence.{k}": str(v) for k, v in event.evidence.items()})
    return _render(page, view, event, values=values, errors=FormErrors())


@party_route(router, "POST", "/corrections/{event_id}")
async def record_correction(
    number: PartyPath, event_id: EventPath, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """Record the correction; the form again with the errors named by field if refused."""
    form = await page.form()
    view = await known_state(page, client, number)
    event = await _transition(page, number, event_id)
    values = {name: text(form, name) for name in form.keys()}
    errors = FormErrors()
    void = values.get("action") == "void"
    # Only what differs from the record is sent: an amendment says what it changes.
    day = values.get("effective_on") or None
    changed_day = None if void or day == event.effective_on.isoformat() else day
    evidence = {
        name: values.get(f"evidence.{name}", "")
        for name in evidence_names(view, event)
        if values.get(f"evidence.{name}", "") != str(event.evidence.get(name, ""))
    }
    try:
        request = CorrectionRequest(
            event_id=event_id,
            reason=values.get("reason", ""),
            void=void,
            effective_on=changed_day,
            evidence=None if void or not evidence else evidence,
            idempotency_key=values.get("idempotency_key") or None,
        )
    except ValidationError as err:
        errors.add_validation(err)
        return _render(page, view, event, values=values, errors=errors)
    command = CorrectionCommand(**request.model_dump(), target_seq=event.seq, actor=page.actor)
    await attempt(errors, gateway.correct(client, number, command))
    if errors:
        return _render(page, view, event, values=values, errors=errors)
    return RedirectResponse(f"{party_path(number)}?done=correction", status_code=303)


def _render(
    page: Page,
    view: MunicipalityView,
    event: AuditEventRow,
    *,
    values: dict[str, str],
    errors: FormErrors,
) -> Response:
    return page.render(
        "correction.html",
        status=errors.status,
        view=view,
        event=event,
        trigger=Trigger(event.trigger),
        evidence_fields=[EVIDENCE_FIELDS[name] for name in evidence_names(view, event)],
        values=values,
        errors=errors,
        today=today_in_oslo(),
        idempotency_key=uuid.uuid4().hex,
    )
