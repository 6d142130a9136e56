"""`onboarding region history load`: the region's history since 2015, over the API (admin)."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from onboarding.cli.errors import BadInput
from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json
from onboarding.cli.output import as_json
from onboarding.cli.remote import remote

# httpx and the input checks (pydantic, through the domain) are loaded when a
# command runs, not for --help (onboarding/cli/lazy.py).
if TYPE_CHECKING:
    from onboarding.cli import inputs
    from onboarding.cli.client import ApiClient
else:
    inputs = lazy_module("onboarding.cli.inputs")

region_app = typer.Typer(
    rich_markup_mode=None,
    help="The region the project ships, and its history since 2015 (admin).",
    no_args_is_help=True,
)
history_app = typer.Typer(
    rich_markup_mode=None,
    help="The region's history: its municipalities since 2015 and every reform (admin).",
    no_args_is_help=True,
)
region_app.add_typer(history_app, name="history")

STAGE_RULES = ("most_advanced_common", "most_advanced")


@history_app.command("load")
def load(
    through: Annotated[
        str | None,
        typer.Option(
            "--through", metavar="YYYY-MM-DD", help="Load the reforms up to this day only."
        ),
    ] = None,
    stage_rule: Annotated[
        str,
        typer.Option(
            "--stage-rule",
            help="Where a merger's new municipality starts: most_advanced_common or most_advanced.",
        ),
    ] = "most_advanced_common",
    process_version: Annotated[
        int | None,
        typer.Option("--process-version", min=1, help="The process new municipalities run."),
    ] = None,
    json: Json = False,
) -> None:
    """Register the municipalities of 2015 and record every reform since, in date order.

    Idempotent: what is loaded already is kept, and a second load says so.
    """
    remote(
        _load,
        through=through,
        stage_rule=stage_rule,
        process_version=process_version,
        json=json,
    )


def _load(
    api: "ApiClient",
    *,
    through: str | None,
    stage_rule: str,
    process_version: int | None,
    json: bool,
) -> None:
    """Check the options (BadInput names the one that is wrong), then ask the API."""
    if stage_rule not in STAGE_RULES:
        raise BadInput(f"--stage-rule: {stage_rule!r} is not one of {', '.join(STAGE_RULES)}")
    body: dict[str, Any] = {"stage_rule": stage_rule}
    if through is not None:
        body["through"] = inputs.iso_date(through, option="--through").isoformat()
    if process_version is not None:
        body["process_version"] = process_version
    result = api.load_history(body)
    if json:
        typer.echo(as_json(result))
        return
    typer.echo(result["message"])
    for reform_id in result["reforms"]:
        typer.echo(f"  {reform_id}")
