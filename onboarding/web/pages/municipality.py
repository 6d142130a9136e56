"""A municipality's page (diagram, transitions, obligations, contacts, timeline) and
the form that records a transition.

The page asks the workflow for the stage and the allowed triggers (the guards
live there) and reads everything else from the read model; the timeline is #5's
(onboarding.history.log.timeline): every kind of entry, newest first. A transition goes
through `onboarding.gateway.parties.transition`, exactly as the API's does.
"""

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.calendar import OSLO, today_in_oslo
from onboarding.domain.contacts import Contact
from onboarding.domain.errors import OnboardingError, UnknownMunicipality
from onboarding.domain.parties.blocked import blocked_triggers
from onboarding.domain.parties.models import MunicipalityView, TransitionCommand, TransitionRequest
from onboarding.domain.parties.process import process_of
from onboarding.domain.process.machine import ProcessContext, decide
from onboarding.domain.vocabulary import EVIDENCE_FIELDS, Stage, Trigger
from onboarding.domain.waves.readiness import WAVE_STAGES
from onboarding.gateway import parties as gateway
from onboarding.gateway import waves as wave_engine
from onboarding.gateway.parties import EngineUnavailable
from onboarding.history.entries import AuditEntry
from onboarding.history.log import timeline
from onboarding.store import contacts, process_view, queries
from onboarding.store import waves as wave_store
from onboarding.store.deadline_history import DeadlineChangeRecord, deadline_changes
from onboarding.web.conditions import condition_text
from onboarding.web.diagram import render_svg
from onboarding.web.forms import FormErrors, text
from onboarding.web.history_text import describe
from onboarding.web.page import CoordinatorPage, Page, PageRefused, ViewerPage, attempt
from onboarding.web.temporal_ui import workflow_url

router = APIRouter()

NumberPath = Annotated[str, Path(pattern=r"^[0-9]{4}$")]


async def known_state(page: Page, client: TemporalDep, number: str) -> MunicipalityView:
    """The workflow's view of the municipality; a 404 or 503 page if there is none."""
    row = await asyncio.to_thread(queries.get_municipality, page.engine, number=number)
    if row is None:
        raise PageRefused(404, "error.unknown_municipality", number=number)
    try:
        return await gateway.current_state(client, number)
    except UnknownMunicipality:
        raise PageRefused(404, "error.unknown_municipality", number=number) from None
    except EngineUnavailable:
        raise PageRefused(503, "error.engine_unavailable") from None


@router.get("/municipalities/{number}")
async def municipality_page(
    number: NumberPath, page: ViewerPage, client: TemporalDep, done: str | None = None
) -> Response:
    """Everything about one municipality, with its allowed transitions as buttons."""
    view = await known_state(page, client, number)
    obligations, checklist = await asyncio.gather(
        gateway.obligations(client, number), wave_engine.checklist(client, number)
    )
    history, people, changes = await asyncio.to_thread(_read_model, page, number)
    wave = (
        await asyncio.to_thread(wave_store.get_wave, page.engine, wave_id=checklist.wave_id)
        if checklist.wave_id
        else None
    )
    path = await asyncio.to_thread(process_view.path_of, page.engine, number=number)
    return page.render(
        "municipality.html",
        view=view,
        diagram=render_svg(page.t, process_of(view), view.stage, next_stages(view), path=path),
        process=process_of(view),
        forward=forward_triggers(view),
        blocked=blocked_triggers(view),
        obligations=obligations,
        history=history,
        oslo=OSLO,
        describe=describe,
        contacts=people,
        deadline_changes=changes,
        done=done,
        workflow_url=workflow_url(page.settings, number),
        checklist=checklist,
        wave=wave,
        # Blockers matter on the way to go-live, while approve_go_live is not allowed.
        go_live_blocked=view.stage in WAVE_STAGES
        and Trigger.APPROVE_GO_LIVE not in view.allowed_triggers,
        condition=lambda c: condition_text(page.t, c),
        today=today_in_oslo(),
    )


def _destinations(view: MunicipalityView) -> dict[Trigger, Stage]:
    """Where each allowed trigger leads, as the process definition decides it."""
    context = ProcessContext(
        definition=process_of(view), stage=view.stage, paused_from=view.paused_from
    )
    found: dict[Trigger, Stage] = {}
    for trigger in view.allowed_triggers:
        try:
            found[trigger] = decide(context, trigger.value)
        except OnboardingError:
            # A guard only the workflow knows about (it allowed the trigger): no arrow to light.
            continue
    return found


def next_stages(view: MunicipalityView) -> set[Stage]:
    """The stages the municipality may move to now."""
    return set(_destinations(view).values())


def forward_triggers(view: MunicipalityView) -> set[Trigger]:
    """The allowed triggers that move the municipality on along the main road."""
    process = process_of(view)
    here = process.road_rank(view.stage)
    return {
        trigger for trigger, dest in _destinations(view).items() if process.road_rank(dest) > here
    }


def _read_model(
    page: Page, number: str
) -> tuple[list[AuditEntry], list[Contact], list[DeadlineChangeRecord]]:
    return (
        timeline(page.engine, number=number, newest_first=True),
        contacts.list_contacts(page.engine, municipality_number=number),
        deadline_changes(page.engine, number=number),
    )


def _trigger(value: str) -> Trigger:
    try:
        return Trigger(value)
    except ValueError:
        raise PageRefused(404, "error.unknown_trigger", trigger=value) from None


@router.get("/municipalities/{number}/transitions/{trigger}")
async def transition_form(
    number: NumberPath, trigger: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """The form for one transition: its evidence, the effective date and a comment."""
    view = await known_state(page, client, number)
    chosen = _trigger(trigger)
    return _render_form(page, view, chosen, values={}, errors=FormErrors())


@router.post("/municipalities/{number}/transitions/{trigger}")
async def record_transition(
    number: NumberPath, trigger: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """Record the transition; the form again with the errors named by field if refused."""
    form = await page.form()
    view = await known_state(page, client, number)
    chosen = _trigger(trigger)
    values = {name: text(form, name) for name in form.keys()}
    evidence = {
        name: values.get(f"evidence.{name}", "")
        for name in EVIDENCE_FIELDS
        if values.get(f"evidence.{name}")
    }
    errors = FormErrors()
    try:
        request = TransitionRequest(
            trigger=chosen,
            effective_on=values.get("effective_on") or None,
            evidence=evidence,
            comment=values.get("comment") or None,
            idempotency_key=values.get("idempotency_key") or None,
        )
    except ValidationError as err:
        errors.add_validation(err)
        return _render_form(page, view, chosen, values=values, errors=errors)
    command = TransitionCommand(**request.model_dump(), actor=page.actor)
    await attempt(errors, gateway.transition(client, number, command))
    if errors:
        return _render_form(page, view, chosen, values=values, errors=errors)
    return RedirectResponse(f"/municipalities/{number}?done={chosen.value}", status_code=303)


def _render_form(
    page: Page,
    view: MunicipalityView,
    trigger: Trigger,
    *,
    values: dict[str, str],
    errors: FormErrors,
) -> Response:
    last = view.last_transition
    held = {b.trigger: b.missing for b in blocked_triggers(view)}
    return page.render(
        "transition.html",
        status=errors.status,
        view=view,
        trigger=trigger,
        allowed=trigger in view.allowed_triggers,
        # Held back by its guard (approve_go_live: wave, checklist, agreement), in words.
        blocked_by=[condition_text(page.t, c) for c in held.get(trigger, ())],
        evidence_fields=[
            EVIDENCE_FIELDS[name] for name in process_of(view).required_evidence(trigger)
        ],
        values=values,
        errors=errors,
        today=today_in_oslo(),
        earliest=last.effective_on if last is not None else None,
        # A fresh key per form shown: a double submit records once, a corrected one anew.
        idempotency_key=uuid.uuid4().hex,
    )
