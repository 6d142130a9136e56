"""The forms of a wave's page: add, move and remove members, reschedule, go/no-go.

Each posts to its own path, goes through the same `onboarding.gateway.waves`
function as the API route, and on a refusal shows the wave's page again with
the error next to the named field of that form (the others stay empty).
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from onboarding.api.deps import TemporalDep
from onboarding.domain.waves.models import (
    AddMemberCommand,
    DecisionCommand,
    DecisionRequest,
    MemberRequest,
    RemoveMemberCommand,
    RescheduleCommand,
    RescheduleRequest,
)
from onboarding.gateway import waves as wave_engine
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import CoordinatorPage, Page, attempt
from onboarding.web.pages.waves import Submitted, WavePath, parse_go_live, render_wave

router = APIRouter()


async def _run(
    page: Page,
    client: TemporalDep,
    wave_id: str,
    submitted: Submitted,
    call: Callable[[], Awaitable[object]],
    done: str,
) -> Response:
    """Unless the form is refused already, build and run the gateway call (building it
    validates the request); the wave's page with the refusal, or a redirect."""
    if not submitted.errors:
        try:
            command = call()
        except ValidationError as err:
            submitted.errors.add_validation(err)
        else:
            await attempt(submitted.errors, command)
    if submitted.errors:
        return await render_wave(page, client, wave_id, submitted)
    return RedirectResponse(f"/waves/{wave_id}?done={done}", status_code=303)


async def _submitted(page: Page, form_name: str, names: tuple[str, ...]) -> Submitted:
    form = await page.form()
    return Submitted(form_name, {n: text(form, n) for n in names}, FormErrors())


def _required(page: Page, submitted: Submitted, *names: str) -> None:
    for name in names:
        if not submitted.values[name]:
            submitted.errors.add(name, page.t("error.required"))


def _member(values: dict[str, str], page: Page) -> AddMemberCommand:
    request = MemberRequest(number=values["number"], reason=values["reason"] or None)
    return AddMemberCommand(**request.model_dump(), actor=page.actor)


@router.post("/waves/{wave_id}/members")
async def add_member(wave_id: WavePath, page: CoordinatorPage, client: TemporalDep) -> Response:
    """Add a municipality (or take it over from its wave, with a reason)."""
    submitted = await _submitted(page, "add", ("number", "reason"))
    return await _run(
        page,
        client,
        wave_id,
        submitted,
        lambda: wave_engine.add_member(client, wave_id, _member(submitted.values, page)),
        "added",
    )


@router.post("/waves/{wave_id}/move")
async def move_member(wave_id: WavePath, page: CoordinatorPage, client: TemporalDep) -> Response:
    """Move a member to another wave, with a reason (its checklist goes along)."""
    submitted = await _submitted(page, "move", ("number", "to_wave", "reason"))
    _required(page, submitted, "to_wave", "reason")
    to_wave = submitted.values["to_wave"]
    return await _run(
        page,
        client,
        wave_id,
        submitted,
        lambda: wave_engine.add_member(client, to_wave, _member(submitted.values, page)),
        "moved",
    )


@router.post("/waves/{wave_id}/remove")
async def remove_member(wave_id: WavePath, page: CoordinatorPage, client: TemporalDep) -> Response:
    """Remove a member; its open checklist items are cancelled, done ones kept."""
    submitted = await _submitted(page, "remove", ("number", "reason"))
    _required(page, submitted, "number")
    values = submitted.values
    return await _run(
        page,
        client,
        wave_id,
        submitted,
        lambda: wave_engine.remove_member(
            client,
            wave_id,
            RemoveMemberCommand(
                number=values["number"], reason=values["reason"] or None, actor=page.actor
            ),
        ),
        "removed",
    )


@router.post("/waves/{wave_id}/reschedule")
async def reschedule(wave_id: WavePath, page: CoordinatorPage, client: TemporalDep) -> Response:
    """Move the go-live with a reason; members' deadlines move with it."""
    submitted = await _submitted(page, "reschedule", ("go_live_at", "reason"))
    go_live_at = parse_go_live(page, submitted.values["go_live_at"], submitted.errors)

    def call() -> Awaitable[object]:
        request = RescheduleRequest(go_live_at=go_live_at, reason=submitted.values["reason"])
        command = RescheduleCommand(**request.model_dump(), actor=page.actor)
        return wave_engine.reschedule(client, wave_id, command)

    return await _run(page, client, wave_id, submitted, call, "rescheduled")


@router.post("/waves/{wave_id}/decision")
async def decide(wave_id: WavePath, page: CoordinatorPage, client: TemporalDep) -> Response:
    """The go/no-go: approve, or postpone to a new date with a reason; close once live."""
    names = ("decision", "evidence.document_ref", "comment", "go_live_at", "reason")
    submitted = await _submitted(page, "decision", names)
    values = submitted.values
    # The page asks for the decision's document: a go/no-go is recorded on evidence.
    _required(page, submitted, "evidence.document_ref")
    go_live_at: datetime | None = None
    if values["go_live_at"]:
        go_live_at = parse_go_live(page, values["go_live_at"], submitted.errors)

    def call() -> Awaitable[object]:
        request = DecisionRequest(
            decision=values["decision"],
            evidence={"document_ref": values["evidence.document_ref"]},
            comment=values["comment"] or None,
            go_live_at=go_live_at,
            reason=values["reason"] or None,
        )
        command = DecisionCommand(**request.model_dump(), actor=page.actor)
        return wave_engine.decide(client, wave_id, command)

    return await _run(page, client, wave_id, submitted, call, f"decision_{values['decision']}")
