"""What the `onboarding party ...` commands do: check the input, make the request, print."""

from pathlib import Path
from typing import Any

import typer

from onboarding.cli import inputs, output, party_output
from onboarding.cli.client import ApiClient
from onboarding.cli.errors import ApiRefused, BadInput


def list_parties(
    api: ApiClient,
    *,
    kind: str | None,
    municipality: str | None,
    stage: str | None,
    org_number: str | None,
    json: bool,
) -> None:
    """Print the parties of every kind (or those the filters name)."""
    params: dict[str, str] = {}
    if kind is not None:
        params["kind"] = inputs.party_kind(kind, kinds=("municipality", *inputs.PARTY_KINDS))
    if municipality is not None:
        params["municipality"] = inputs.municipality_number(municipality, name="--municipality")
    if stage is not None:
        params["stage"] = inputs.stage(stage).value
    if org_number is not None:
        params["org_number"] = inputs.org_number(org_number)
    items = api.parties(params)
    typer.echo(output.as_json(items) if json else party_output.parties_table(items))


def show_party(api: ApiClient, *, number: str, json: bool) -> None:
    """Print one party: its kind's facts, stage, allowed triggers and last transition."""
    view = api.municipality(inputs.party_id(number, name="ID"))
    typer.echo(output.as_json(view) if json else party_output.party_details(view))


def register_party(
    api: ApiClient,
    *,
    kind: str,
    org_number: str,
    name: str,
    municipality: str | None,
    health_trust: str | None,
    specialty: str | None,
    staff_count: int | None,
    process_version: int | None,
    json: bool,
) -> None:
    """Register a GP office, specialist or hospital; print its id and stage."""
    body: dict[str, Any] = {
        "kind": inputs.party_kind(kind),
        "org_number": inputs.org_number(org_number),
        "name": name,
    }
    if municipality is not None:
        body["municipality_number"] = inputs.municipality_number(
            municipality, name="--municipality"
        )
    optional = {
        "health_trust": health_trust,
        "specialty": specialty,
        "staff_count": staff_count,
        "process_version": process_version,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    view = api.register_party(body)
    typer.echo(output.as_json(view) if json else party_output.party_registered(view))


def import_parties(api: ApiClient, *, path: str, json: bool) -> None:
    """Send a CSV file of parties; print how many were registered (all or none)."""
    try:
        content = Path(path).read_bytes()
    except OSError as err:
        raise BadInput(f"FILE: cannot read {path}: {err.strerror or err}") from None
    try:
        result = api.import_parties(content)
    except ApiRefused as refused:
        # Every bad line of the file, one line each, before the one-line error.
        errors = refused.body.get("errors") if isinstance(refused.body, dict) else None
        for error in errors or []:
            typer.echo(f"{path}: {error.get('field')}: {error.get('message')}", err=True)
        raise
    typer.echo(output.as_json(result) if json else party_output.parties_imported(result))
