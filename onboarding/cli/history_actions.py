"""What the history, report and correction commands do: check input, ask the API, print."""

import sys
from typing import Any

import typer

from onboarding.cli import history_output, inputs, output
from onboarding.cli.client import ApiClient
from onboarding.cli.errors import BadInput
from onboarding.cli.repeatable import repeatable
from onboarding.domain.reports import Interval


def _emit(data: Any, *, json: bool, render: Any) -> None:
    typer.echo(output.as_json(data) if json else render(data))


def _day(text: str | None, option: str) -> str | None:
    return inputs.iso_date(text, option=option).isoformat() if text is not None else None


def _pairs(**values: str | None) -> list[tuple[str, str]]:
    return [(name.rstrip("_"), value) for name, value in values.items() if value is not None]


def _kind(text: str | None) -> str | None:
    """A kind of party as typed (--kind), checked; None for every kind together."""
    return None if text is None else inputs.party_kind(text, kinds=inputs.EVERY_KIND)


def show_report(
    api: ApiClient, *, as_of: str | None, known_on: str | None, kind: str | None, json: bool
) -> None:
    """Print the funnel on `as_of` (default: today), as known on `known_on`, of `kind`."""
    report = api.funnel(
        as_of=_day(as_of, "--as-of"), known_on=_day(known_on, "--known-on"), kind=_kind(kind)
    )
    _emit(report, json=json, render=history_output.funnel_with_headline)


def show_stages(
    api: ApiClient, *, as_of: str | None, known_on: str | None, kind: str | None, json: bool
) -> None:
    """Print every party's (of `kind`) stage on `as_of`."""
    report = api.stages(
        as_of=_day(as_of, "--as-of"), known_on=_day(known_on, "--known-on"), kind=_kind(kind)
    )
    _emit(report, json=json, render=history_output.stages_table)


def show_coverage(api: ApiClient, *, as_of: str | None, known_on: str | None, json: bool) -> None:
    """Print per kind of party how many there are, how many live, and their staff."""
    report = api.coverage(as_of=_day(as_of, "--as-of"), known_on=_day(known_on, "--known-on"))
    _emit(report, json=json, render=history_output.coverage_table)


def show_milestones(
    api: ApiClient,
    *,
    start: str,
    end: str | None,
    interval: str,
    known_on: str | None,
    kind: str | None,
    json: bool,
) -> None:
    """Print milestones reached at the end of each interval."""
    if interval not in {i.value for i in Interval}:
        raise BadInput(
            f"--interval: {interval!r} is not one of {', '.join(i.value for i in Interval)}"
        )
    params = dict(
        _pairs(
            from_=_day(start, "--from"),
            to=_day(end, "--to"),
            interval=interval,
            known_on=_day(known_on, "--known-on"),
            kind=_kind(kind),
        )
    )
    _emit(api.milestones(params), json=json, render=history_output.milestones_table)


def show_timeline(
    api: ApiClient,
    *,
    number: str,
    kinds: list[str],
    start: str | None,
    end: str | None,
    newest_first: bool,
    json: bool,
) -> None:
    """Print a municipality's timeline."""
    params = [("kind", kind) for kind in kinds] + _pairs(
        from_=_day(start, "--from"),
        to=_day(end, "--to"),
        order="newest" if newest_first else "oldest",
    )
    entries = api.timeline(inputs.party_id(number), params)
    _emit(entries, json=json, render=history_output.entries_table)


def audit_filters(
    *,
    actor: str | None,
    kinds: list[str],
    municipality: str | None,
    wave: str | None,
    start: str | None,
    end: str | None,
) -> list[tuple[str, str]]:
    """The audit log's filters as query parameters, dates checked."""
    return [("kind", kind) for kind in kinds] + _pairs(
        actor=actor,
        municipality=inputs.municipality_number(municipality) if municipality else None,
        wave=wave,
        from_=_day(start, "--from"),
        to=_day(end, "--to"),
    )


def show_audit(
    api: ApiClient,
    *,
    filters: list[tuple[str, str]],
    limit: int,
    offset: int,
    oldest_first: bool,
    json: bool,
) -> None:
    """Print one page of the audit log."""
    params = [
        *filters,
        ("limit", str(limit)),
        ("offset", str(offset)),
        ("order", "oldest" if oldest_first else "newest"),
    ]
    _emit(api.audit(params), json=json, render=history_output.audit_page)


def export_audit(api: ApiClient, *, filters: list[tuple[str, str]], fmt: str) -> None:
    """Stream the audit log to stdout as CSV or JSON."""
    if fmt not in ("csv", "json"):
        raise BadInput(f"--format: {fmt!r} is not one of csv, json")
    out = sys.stdout.buffer
    api.export_audit([*filters, ("format", fmt)], out.write)
    out.flush()


def record_correction(
    api: ApiClient,
    *,
    number: str,
    event_id: int,
    reason: str,
    effective_on: str | None,
    evidence: list[str],
    void: bool,
    idempotency_key: str | None,
    json: bool,
) -> None:
    """Correct a recorded transition; print what was recorded."""
    body: dict[str, Any] = {"event_id": event_id, "reason": inputs.reason(reason)}
    if void:
        body["void"] = True
    if effective_on is not None:
        body["effective_on"] = inputs.iso_date(effective_on, option="--on").isoformat()
    if evidence:
        body["evidence"] = inputs.evidence(evidence)
    key = body["idempotency_key"] = inputs.idempotency_key(idempotency_key)
    with repeatable(key):
        result = api.correct(inputs.party_id(number), body)
    _emit(result, json=json, render=history_output.correction_result)


def show_engine_history(api: ApiClient, *, number: str, json: bool) -> None:
    """Print the summary of the municipality's workflow history, from Temporal."""
    summary = api.engine_history(inputs.party_id(number))
    _emit(summary, json=json, render=history_output.engine_history)
