"""What the API-backed commands do: check the input, make the request, print the answer.

Every function takes the ApiClient first, so the Typer layer only parses options
and chooses one of these.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import typer

from onboarding.cli import inputs, output, party_output
from onboarding.cli.client import ApiClient
from onboarding.cli.errors import BadInput, DriftRemains, PartlyFailed
from onboarding.cli.repeatable import hint, outcome_unknown, repeatable


def _emit(data: Any, *, json: bool, render: Callable[[Any], str]) -> None:
    typer.echo(output.as_json(data) if json else render(data))


def list_municipalities(api: ApiClient, *, stage: str | None, json: bool) -> None:
    """Print every municipality (or those in `stage`)."""
    wanted = inputs.stage(stage).value if stage is not None else None
    items = api.municipalities(stage=wanted)
    _emit(items, json=json, render=output.municipalities_table)


def show_municipality(api: ApiClient, *, number: str, json: bool) -> None:
    """Print one municipality's stage, allowed triggers and last transition."""
    view = api.municipality(inputs.party_id(number))
    _emit(view, json=json, render=party_output.party_details)


def record_transition(
    api: ApiClient,
    *,
    number: str,
    trigger: str,
    effective_on: str | None,
    evidence: list[str],
    comment: str | None,
    idempotency_key: str | None,
    json: bool,
) -> None:
    """Ask the API to fire `trigger` for the municipality; print the new state."""
    number = inputs.party_id(number)
    body: dict[str, Any] = {"trigger": trigger, "evidence": inputs.evidence(evidence)}
    if effective_on is not None:
        body["effective_on"] = inputs.iso_date(effective_on, option="--on").isoformat()
    if comment is not None:
        body["comment"] = comment
    key = body["idempotency_key"] = inputs.idempotency_key(idempotency_key)
    with repeatable(key):
        view = api.transition(number, body)
    _emit(view, json=json, render=output.transition_result)


def show_history(api: ApiClient, *, number: str, json: bool) -> None:
    """Print every recorded transition of the municipality, oldest first."""
    records = api.history(inputs.party_id(number))
    _emit(records, json=json, render=output.history_table)


def show_report(api: ApiClient, *, as_of: str | None, json: bool) -> None:
    """Print the funnel report on `as_of` (default: today)."""
    day: date | None = inputs.iso_date(as_of, option="--as-of") if as_of is not None else None
    report = api.funnel(as_of=day.isoformat() if day else None)
    _emit(report, json=json, render=output.funnel_report)


def list_users(api: ApiClient, *, json: bool) -> None:
    """Print the API's users and their roles (never their tokens)."""
    users = api.users()
    _emit(users, json=json, render=output.users_table)


def add_user(
    api: ApiClient,
    *,
    name: str,
    role: str,
    scope: str | None = None,
    expires: str | None = None,
    json: bool,
) -> None:
    """Create a user; print the token, which the API shows only this once.

    `scope` is a comma-separated list of party ids (the API checks it).
    """
    numbers = [item.strip() for item in scope.split(",") if item.strip()] if scope else None
    user = api.add_user(name=name, role=role, scope=numbers, expires_at=expires)
    if json:
        typer.echo(output.as_json(user))
        return
    limited = f" for {', '.join(user['scope'])}" if user.get("scope") else ""
    typer.echo(f"Created {user.get('role')} {user.get('name')} (id {user.get('id')}){limited}.")
    typer.echo("Token (shown only now; store it safely):")
    typer.echo(str(user.get("token")))


def seed_region(api: ApiClient, *, json: bool) -> None:
    """Start a workflow for every municipality of the region (kept if running)."""
    result = api.load_region()
    _emit(result, json=json, render=output.region_loaded)


def show_contacts(api: ApiClient, *, number: str, json: bool) -> None:
    """Print a municipality's contacts."""
    items = api.contacts(inputs.party_id(number))
    _emit(items, json=json, render=output.contacts_table)


def set_contacts(
    api: ApiClient,
    *,
    number: str | None,
    contacts: list[str],
    file: str | None,
    clear: bool,
    json: bool,
) -> None:
    """Replace a municipality's contacts (or the program's, with no number); print the list."""
    if number is not None:
        number = inputs.party_id(number)
    body = _contact_list(contacts, file=file, clear=clear)
    items = api.set_contacts(number, body) if number else api.set_program_contacts(body)
    _emit(items, json=json, render=output.contacts_table)


def show_program_contacts(api: ApiClient, *, json: bool) -> None:
    """Print the program's contacts."""
    _emit(api.program_contacts(), json=json, render=output.contacts_table)


def _contact_list(contacts: list[str], *, file: str | None, clear: bool) -> list[Any]:
    """The new list from exactly one of --contact (repeatable), --file and --clear."""
    given = [
        name for name, on in (("--contact", contacts), ("--file", file), ("--clear", clear)) if on
    ]
    if len(given) != 1:
        shown = " and ".join(given) if given else "none"
        raise BadInput(
            f"give exactly one of --contact (repeatable), --file and --clear (got {shown})"
        )
    if file is not None:
        return inputs.contacts_file(file)
    return [inputs.contact(text) for text in contacts]


def list_notifications(
    api: ApiClient,
    *,
    municipality: str | None,
    status: str | None,
    due_from: str | None,
    due_to: str | None,
    limit: int,
    json: bool,
) -> None:
    """Print the outbox, newest first, filtered."""
    filters: dict[str, str | int | None] = {
        "municipality": inputs.municipality_number(municipality) if municipality else None,
        "status": inputs.notification_status(status).value if status else None,
        "from": inputs.iso_date(due_from, option="--from").isoformat() if due_from else None,
        "to": inputs.iso_date(due_to, option="--to").isoformat() if due_to else None,
        "limit": limit,
    }
    items = api.notifications(filters)
    _emit(items, json=json, render=output.notifications_table)


def show_obligations(api: ApiClient, *, number: str, json: bool) -> None:
    """Print a municipality's obligations with their pending reminders and escalations."""
    items = api.obligations(inputs.party_id(number))
    _emit(items, json=json, render=output.obligations_table)


def _deadline_body(*, deadline: str, reason: str, idempotency_key: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "deadline": inputs.iso_date(deadline, option="--on").isoformat(),
        "reason": inputs.reason(reason),
    }
    body["idempotency_key"] = inputs.idempotency_key(idempotency_key)
    return body


def set_deadline(
    api: ApiClient,
    *,
    number: str,
    obligation_id: str,
    deadline: str,
    reason: str,
    idempotency_key: str | None,
    json: bool,
) -> None:
    """Set or move one municipality's deadline for an obligation; print the obligation."""
    number = inputs.party_id(number)
    obligation_id = inputs.obligation_id(obligation_id)
    body = _deadline_body(deadline=deadline, reason=reason, idempotency_key=idempotency_key)
    with repeatable(body["idempotency_key"]):
        view = api.set_deadline(number, obligation_id, body)
    _emit(view, json=json, render=lambda v: output.deadline_set(number, v))


def bulk_set_deadline(
    api: ApiClient,
    *,
    obligation_id: str,
    numbers: str | None,
    stage: str | None,
    deadline: str,
    reason: str,
    idempotency_key: str | None,
    json: bool,
) -> None:
    """Set one deadline for many municipalities; print each outcome, fail if any failed."""
    obligation_id = inputs.obligation_id(obligation_id)
    given = [name for name, value in (("--numbers", numbers), ("--stage", stage)) if value]
    if len(given) != 1:
        shown = " and ".join(given) if given else "none"
        raise BadInput(f"give exactly one of --numbers and --stage (got {shown})")
    body = _deadline_body(deadline=deadline, reason=reason, idempotency_key=idempotency_key)
    body["obligation_id"] = obligation_id
    if numbers:
        body["numbers"] = inputs.municipality_numbers(numbers)
    elif stage:
        body["stage"] = inputs.stage(stage).value
    with repeatable(body["idempotency_key"]):
        result = api.bulk_deadlines(body)
    _emit(result, json=json, render=output.bulk_deadlines)
    failed = result.get("failed") if isinstance(result, dict) else None
    if failed:
        # The lines above say which and why; this line is for scripts and exit codes.
        message = f"{obligation_id}: {failed} of {result.get('requested')} municipalities failed"
        unknown = [r for r in result.get("results", []) if outcome_unknown(r.get("error"))]
        if unknown:
            message += f"; for {len(unknown)} of them {hint(body['idempotency_key'])}"
        raise PartlyFailed(message)


def show_overdue(api: ApiClient, *, as_of: str | None, kind: str | None, json: bool) -> None:
    """Print the open obligations past their deadline on `as_of` (default: today), of `kind`."""
    day = inputs.iso_date(as_of, option="--as-of") if as_of is not None else None
    checked = inputs.party_kind(kind, kinds=inputs.EVERY_KIND) if kind is not None else None
    items = api.overdue(as_of=day.isoformat() if day else None, kind=checked)
    _emit(items, json=json, render=lambda i: output.overdue_table(i, as_of=day))


def reconcile(api: ApiClient, *, dry_run: bool, json: bool) -> None:
    """Print what reconciliation found (and did); fail if drift is left unrepaired."""
    report = api.reconcile(dry_run=dry_run)
    _emit(report, json=json, render=output.reconcile_report)
    unresolved = [f for f in report.get("findings", []) if not f.get("repaired")]
    if unresolved:
        raise DriftRemains(
            f"{len(unresolved)} finding(s) left unrepaired"
            + (" (dry run: nothing was changed)" if dry_run else "")
        )
