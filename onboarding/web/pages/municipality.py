"""A party's page (diagram, transitions, obligations, contacts, timeline) and the form
that records a transition, for every kind of party: one handler at /parties/{id}
and, for a municipality, /municipalities/{number} (onboarding.web.party_paths).

Beside its process the page shows what the party's kind records (organisation
number, specialty, staff, the municipality it belongs to); a municipality's page
lists its GP offices and specialists.

The page asks the workflow for the stage and the allowed triggers (the guards
live there) and reads everything else from the read model; the timeline is #5's
(onboarding.history.log.timeline): every kind of entry, newest first. A transition goes
through `onboarding.gateway.parties.transition`, exactly as the API's does.
"""

import asyncio
import uuid
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.calendar import OSLO, today_in_oslo
from onboarding.domain.contacts import Contact
from onboarding.domain.errors import OnboardingError, UnknownMunicipality
from onboarding.domain.parties.blocked import blocked_triggers
from onboarding.domain.parties.models import MunicipalityView, TransitionCommand, TransitionRequest
from onboarding.domain.parties.process import process_of
from onboarding.domain.party import PartyKind, kind_of
from onboarding.domain.process.machine import ProcessContext, decide
from onboarding.domain.vocabulary import EVIDENCE_FIELDS, Stage, Trigger
from onboarding.domain.waves.readiness import WAVE_STAGES
from onboarding.gateway import parties as gateway
from onboarding.gateway import waves as wave_engine
from onboarding.gateway.parties import EngineUnavailable
from onboarding.history.entries import AuditEntry
from onboarding.history.log import timeline
from onboarding.store import contacts, queries
from onboarding.store import waves as wave_store
from onboarding.store.deadline_history import DeadlineChangeRecord, deadline_changes
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.web.conditions import condition_text
from onboarding.web.diagram import render_svg
from onboarding.web.forms import FormErrors, text
from onboarding.web.history_text import describe
from onboarding.web.page import CoordinatorPage, Page, PageRefused, ViewerPage, attempt
from onboarding.web.party_list import PartyLine, local_parties
from onboarding.web.party_paths import PartyPath, party_path, party_route
from onboarding.web.temporal_ui import workflow_url

router = APIRouter()


def unknown_party(number: str) -> PageRefused:
    """The 404 page of a party id the read model does not know, worded for its kind."""
    if kind_of(number) is PartyKind.MUNICIPALITY:
        return PageRefused(404, "error.unknown_municipality", number=number)
    return PageRefused(404, "error.unknown_party", number=number)


def party_row(page: Page, number: str) -> MunicipalityRow:
    """The party's row in the read model; a 404 page if there is none."""
    row = queries.get_municipality(page.engine, number=number)
    if row is None:
        raise unknown_party(number)
    return row


async def known_state(page: Page, client: TemporalDep, number: str) -> MunicipalityView:
    """The workflow's view of the party; a 404 or 503 page if there is none."""
    await asyncio.to_thread(party_row, page, number)
    try:
        return await gateway.current_state(client, number)
    except UnknownMunicipality:
        raise unknown_party(number) from None
    except EngineUnavailable:
        raise PageRefused(503, "error.engine_unavailable") from None


@party_route(router, "GET")
async def municipality_page(
    number: PartyPath, page: ViewerPage, client: TemporalDep, done: str | None = None
) -> Response:
    """Everything about one party, with its allowed transitions as buttons."""
    view = await known_state(page, client, number)
    obligations, checklist = await asyncio.gather(
        gateway.obligations(client, number), wave_engine.checklist(client, number)
    )
    reads = await asyncio.to_thread(_read_model, page, view)
    wave = (
        await asyncio.to_thread(wave_store.get_wave, page.engine, wave_id=checklist.wave_id)
        if checklist.wave_id
        else None
    )
    return page.render(
        "municipality.html",
        view=view,
        diagram=render_svg(page.t, process_of(view), view.stage, next_stages(view)),
        process=process_of(view),
        forward=forward_triggers(view),
        blocked=blocked_triggers(view),
        obligations=obligations,
        history=reads.history,
        oslo=OSLO,
        describe=describe,
        contacts=reads.contacts,
        deadline_changes=reads.deadline_changes,
        home=reads.home,
        local=reads.local,
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


@dataclass(frozen=True)
class PageReads:
    """What the page reads from the read model rather than the workflow."""

    history: list[AuditEntry]
    contacts: list[Contact]
    deadline_changes: list[DeadlineChangeRecord]
    # The municipality a GP office or specialist belongs to (None for a municipality,
    # a hospital, or one whose municipality is not registered).
    home: MunicipalityRow | None
    # A municipality's GP offices and specialists (empty for the other kinds).
    local: list[PartyLine]


def _read_model(page: Page, view: MunicipalityView) -> PageReads:
    number = view.number
    municipality = view.kind is PartyKind.MUNICIPALITY
    home = view.municipality_number if not municipality else None
    return PageReads(
        history=timeline(page.engine, number=number, newest_first=True),
        contacts=contacts.list_contacts(page.engine, municipality_number=number),
        deadline_changes=deadline_changes(page.engine, number=number),
        home=queries.get_municipality(page.engine, number=home) if home else None,
        local=local_parties(page.engine, number) if municipality else [],
    )


def _trigger(value: str) -> Trigger:
    try:
        return Trigger(value)
    except ValueError:
        raise PageRefused(404, "error.unknown_trigger", trigger=value) from None


@party_route(router, "GET", "/transitions/{trigger}")
async def transition_form(
    number: PartyPath, trigger: str, page: CoordinatorPage, client: TemporalDep
) -> Response:
    """The form for one transition: its evidence, the effective date and a comment."""
    view = await known_state(page, client, number)
    chosen = _trigger(trigger)
    return _render_form(page, view, chosen, values={}, errors=FormErrors())


@party_route(router, "POST", "/transitions/{trigger}")
async def record_transition(
    number: PartyPath, trigger: str, page: CoordinatorPage, client: TemporalDep
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
    return RedirectResponse(f"{party_path(number)}?done={chosen.value}", status_code=303)


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
