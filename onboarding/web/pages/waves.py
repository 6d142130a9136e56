"""Production waves: the list with its timeline and the create form, and a wave's own page.

The list, the timeline and the blockers come from the SQL read model (one
query set for every wave); a wave's page asks its workflow for the wave itself
(members, every date, decisions). Writes live in `wave_actions` and go through
`onboarding.gateway.waves`, as the API's do.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.errors import UnknownWave
from onboarding.domain.waves.blockers import WaveBlockers
from onboarding.domain.waves.models import WaveCreate, WaveStatus, WaveView
from onboarding.gateway import waves as wave_engine
from onboarding.gateway.parties import EngineUnavailable
from onboarding.store import waves as wave_store
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.store.waves import WaveEventRecord, WaveSummary
from onboarding.web.conditions import condition_text
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import CoordinatorPage, Page, PageRefused, ViewerPage, attempt
from onboarding.web.wave_chart import WaveDates, waves_timeline_svg
from onboarding.web.wave_data import date_history, form_value, oslo_datetime

router = APIRouter()

WavePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
# Statuses in which a wave still takes members, dates and decisions.
OPEN = (WaveStatus.PLANNED, WaveStatus.FROZEN)


@dataclass
class Submitted:
    """The form that was posted and refused: which one, what was typed, what was wrong."""

    form: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)

    def errors_of(self, form: str) -> FormErrors:
        return self.errors if form == self.form else FormErrors()

    def values_of(self, form: str) -> dict[str, str]:
        return self.values if form == self.form else {}


def checklist_ids(page: Page) -> list[str]:
    """The checklist's item ids, from the policy in force."""
    return [item.id.value for item in page.settings.reminder_policy().checklist]


# -- the list -------------------------------------------------------------------------


@router.get("/waves")
async def waves_page(page: ViewerPage, done: str | None = None) -> Response:
    """Every wave with its status, go-live, members and blockers, and the timeline."""
    return await asyncio.to_thread(_render_list, page, Submitted(), done)


def _render_list(page: Page, submitted: Submitted, done: str | None) -> Response:
    today = today_in_oslo()
    summaries = wave_store.list_waves(page.engine)
    history = date_history(page.engine)
    blockers = {
        b.wave_id: b
        for b in wave_store.blockers_of(
            page.engine, wave_ids=None, checklist=checklist_ids(page), as_of=today
        )
    }
    chart = waves_timeline_svg(
        page.t,
        [
            WaveDates(w.id, w.name, w.status.value, history.get(w.id) or [w.go_live_at])
            for w in summaries
        ],
        today=today,
    )
    return page.render(
        "waves.html",
        status=submitted.errors.status,
        waves=summaries,
        moves={w.id: history.get(w.id, [])[:-1] for w in summaries},
        blockers=blockers,
        chart=chart,
        values=submitted.values,
        errors=submitted.errors,
        done=done,
        now_value=form_value(datetime.now(UTC)),
    )


@router.post("/waves")
async def create_wave(page: CoordinatorPage, client: TemporalDep) -> Response:
    """Create a wave; the list again with the error next to its field if refused."""
    form = await page.form()
    values = {n: text(form, n) for n in ("id", "name", "go_live_at", "health_trust")}
    values["recorded_after_the_fact"] = text(form, "recorded_after_the_fact")
    errors = FormErrors()
    go_live_at = parse_go_live(page, values["go_live_at"], errors)
    if go_live_at is not None:
        try:
            request = WaveCreate(
                id=values["id"],
                name=values["name"],
                go_live_at=go_live_at,
                health_trust=values["health_trust"] or None,
                recorded_after_the_fact=values["recorded_after_the_fact"] == "on",
            )
        except ValidationError as err:
            errors.add_validation(err)
        else:
            await attempt(
                errors,
                wave_engine.create_wave(
                    client,
                    request,
                    actor=page.actor,
                    task_queue=page.settings.task_queue,
                    now=datetime.now(UTC),
                    policy=page.settings.reminder_policy(),
                    continue_as_new_after_events=page.settings.continue_as_new_after_events,
                ),
            )
    if errors:
        return await asyncio.to_thread(
            _render_list, page, Submitted("create", values, errors), None
        )
    return RedirectResponse(f"/waves/{values['id']}?done=created", status_code=303)


def parse_go_live(
    page: Page, value: str, errors: FormErrors, name: str = "go_live_at"
) -> datetime | None:
    """The typed go-live as an instant with offset, or None with the error on `name`."""
    if not value:
        errors.add(name, page.t("error.required"))
        return None
    try:
        return oslo_datetime(value)
    except ValueError:
        errors.add(name, page.t("error.datetime", value=value))
        return None


# -- one wave ---------------------------------------------------------------------------


@router.get("/waves/{wave_id}")
async def wave_page(
    wave_id: WavePath, page: ViewerPage, client: TemporalDep, done: str | None = None
) -> Response:
    """The wave: members and their readiness, what blocks it, its dates and decisions."""
    return await render_wave(page, client, wave_id, Submitted(), done=done)


async def known_wave(client: TemporalDep, wave_id: str) -> WaveView:
    """The wave as its workflow sees it; a 404 or 503 page if there is none."""
    try:
        return await wave_engine.wave(client, wave_id)
    except UnknownWave:
        raise PageRefused(404, "error.unknown_wave", wave=wave_id) from None
    except EngineUnavailable:
        raise PageRefused(503, "error.engine_unavailable") from None


async def render_wave(
    page: Page, client: TemporalDep, wave_id: str, submitted: Submitted, *, done: str | None = None
) -> Response:
    """The wave's page, with the refused form's errors and values if one was posted."""
    view = await known_wave(client, wave_id)
    reads = await asyncio.to_thread(_wave_reads, page, wave_id)
    blockers = reads.blockers
    members = blockers.members if blockers is not None else []
    return page.render(
        "wave.html",
        status=submitted.errors.status,
        wave=view,
        is_open=view.status in OPEN,
        blockers=blockers,
        members=members,
        blocked=[m for m in members if m.missing or m.overdue],
        condition=lambda c: condition_text(page.t, c),
        history=list(reversed(reads.history)),
        chart=waves_timeline_svg(
            page.t,
            [WaveDates(view.id, view.name, view.status.value, [d.go_live_at for d in view.dates])],
            today=today_in_oslo(),
        ),
        candidates=reads.candidates,
        other_waves=[w for w in reads.waves if w.id != view.id and w.status in OPEN],
        submitted=submitted,
        done=done,
        now_value=form_value(datetime.now(UTC)),
        current_value=form_value(view.go_live_at),
    )


@dataclass(frozen=True)
class WaveReads:
    """What a wave's page reads from SQL: its blockers, history, and the form choices."""

    blockers: WaveBlockers | None
    history: list[WaveEventRecord]
    # Parties of any kind a wave takes that are not in this one, with the wave they are in.
    candidates: list[tuple[MunicipalityRow, str | None]]
    waves: list[WaveSummary]


def _wave_reads(page: Page, wave_id: str) -> WaveReads:
    found = wave_store.blockers_of(
        page.engine, wave_ids=[wave_id], checklist=checklist_ids(page), as_of=today_in_oslo()
    )
    member_of = wave_store.wave_names_by_member(page.engine)
    in_this = {m.number for m in wave_store.wave_members(page.engine, wave_id=wave_id)}
    return WaveReads(
        blockers=found[0] if found else None,
        history=wave_store.wave_events(page.engine, wave_id=wave_id),
        candidates=[
            (row, member_of.get(row.number))
            for row in wave_store.wave_candidates(page.engine)
            if row.number not in in_this
        ],
        waves=wave_store.list_waves(page.engine),
    )
