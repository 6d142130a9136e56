"""The work of the `wave` and `checklist` commands: check input, call the API, print."""

from typing import Any

from onboarding.cli import inputs, wave_output
from onboarding.cli.actions import _emit
from onboarding.cli.client import ApiClient
from onboarding.cli.errors import BadInput

DECISIONS = ("approve", "postpone", "close")


def list_waves(api: ApiClient, *, json: bool) -> None:
    """Print every wave."""
    _emit(api.waves(), json=json, render=wave_output.waves_table)


def show_wave(api: ApiClient, *, wave_id: str, json: bool) -> None:
    """Print one wave with its members and every date it had."""
    _emit(api.wave(inputs.wave_id(wave_id)), json=json, render=wave_output.wave_details)


def create_wave(
    api: ApiClient,
    *,
    wave_id: str,
    name: str,
    at: str,
    health_trust: str | None,
    after_the_fact: bool,
    json: bool,
) -> None:
    """Create a wave; a past date only with --after-the-fact."""
    body: dict[str, Any] = {
        "id": inputs.wave_id(wave_id),
        "name": name,
        "go_live_at": inputs.local_datetime(at, option="--at").isoformat(),
        "recorded_after_the_fact": after_the_fact,
    }
    if health_trust:
        body["health_trust"] = health_trust
    _emit(api.create_wave(body), json=json, render=wave_output.wave_details)


def add_member(
    api: ApiClient, *, wave_id: str, number: str, reason: str | None, json: bool
) -> None:
    """Add a party to a wave (or move it there, with a reason)."""
    body: dict[str, Any] = {"number": inputs.party_id(number)}
    if reason is not None:
        body["reason"] = inputs.reason(reason)
    view = api.add_member(inputs.wave_id(wave_id), body)
    _emit(view, json=json, render=wave_output.wave_details)


def remove_member(
    api: ApiClient, *, wave_id: str, number: str, reason: str | None, json: bool
) -> None:
    """Remove a member from a wave."""
    view = api.remove_member(
        inputs.wave_id(wave_id),
        inputs.municipality_number(number),
        reason=inputs.reason(reason) if reason is not None else None,
    )
    _emit(view, json=json, render=wave_output.wave_details)


def reschedule(api: ApiClient, *, wave_id: str, at: str, reason: str, json: bool) -> None:
    """Move a wave's go-live; its members' deadlines move with it."""
    body = {
        "go_live_at": inputs.local_datetime(at, option="--at").isoformat(),
        "reason": inputs.reason(reason),
    }
    _emit(api.reschedule(inputs.wave_id(wave_id), body), json=json, render=wave_output.wave_details)


def decide(
    api: ApiClient,
    *,
    wave_id: str,
    decision: str,
    at: str | None,
    reason: str | None,
    evidence: list[str],
    comment: str | None,
    json: bool,
) -> None:
    """Record the wave-level go/no-go decision."""
    if decision not in DECISIONS:
        raise BadInput(f"DECISION: {decision!r} is not one of {', '.join(DECISIONS)}")
    body: dict[str, Any] = {"decision": decision, "evidence": inputs.evidence(evidence)}
    if at is not None:
        body["go_live_at"] = inputs.local_datetime(at, option="--at").isoformat()
    if reason is not None:
        body["reason"] = inputs.reason(reason)
    if comment is not None:
        body["comment"] = comment
    _emit(api.decide(inputs.wave_id(wave_id), body), json=json, render=wave_output.wave_details)


def show_blockers(api: ApiClient, *, wave_id: str | None, as_of: str | None, json: bool) -> None:
    """Print what blocks one wave, or every wave (the program's roll-up)."""
    day = inputs.iso_date(as_of, option="--as-of").isoformat() if as_of else None
    result = api.wave_blockers(inputs.wave_id(wave_id) if wave_id else None, as_of=day)
    _emit(result, json=json, render=wave_output.blockers)


def show_checklist(api: ApiClient, *, number: str, json: bool) -> None:
    """Print a member's readiness checklist."""
    view = api.checklist(inputs.party_id(number))
    _emit(view, json=json, render=wave_output.checklist)


def complete_items(
    api: ApiClient,
    *,
    number: str,
    items: list[str],
    on: str | None,
    evidence: list[str],
    comment: str | None,
    json: bool,
) -> None:
    """Mark checklist items done: one item at its own route, several in one request."""
    number = inputs.party_id(number)
    body: dict[str, Any] = {"evidence": inputs.evidence(evidence)}
    if on is not None:
        body["done_on"] = inputs.iso_date(on, option="--on").isoformat()
    if comment is not None:
        body["comment"] = comment
    chosen = [inputs.checklist_item(item) for item in items]
    if len(chosen) == 1:
        view = api.complete_item(number, chosen[0], body)
        _emit(view, json=json, render=lambda v: wave_output.item_done(number, v))
        return
    checklist = api.complete_items(number, {"items": [{"item": i, **body} for i in chosen]})
    _emit(checklist, json=json, render=lambda v: wave_output.items_done(number, chosen, v))
