"""`onboarding reform ...`: record municipal reforms (dry-run, apply) and read them (admin, API)."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from onboarding.cli.errors import BadInput
from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json
from onboarding.cli.output import as_json, table
from onboarding.cli.remote import remote

# httpx and the input checks (pydantic, through the domain) are loaded when a
# command runs, not for --help (onboarding/cli/lazy.py).
if TYPE_CHECKING:
    from onboarding.cli import inputs
    from onboarding.cli.client import ApiClient
else:
    inputs = lazy_module("onboarding.cli.inputs")

reform_app = typer.Typer(
    rich_markup_mode=None,
    help="Municipal reforms: renumbering, merger, split, boundary transfer, joined, left (admin).",
    no_args_is_help=True,
)

KINDS = ("renumbering", "merger", "split", "boundary_transfer", "joined", "left")

IdArg = Annotated[
    str, typer.Argument(metavar="ID", help="The reform's id, e.g. 2020-trondheim (once each).")
]
Kind = Annotated[str, typer.Option("--kind", help=f"One of {', '.join(KINDS)}.")]
On = Annotated[str, typer.Option("--on", metavar="YYYY-MM-DD", help="The day it took effect.")]
Parties = Annotated[
    list[str],
    typer.Option(
        "--party",
        metavar="NUMBER",
        help="A municipality it acts on, repeatable: the renumbered, merged or divided one, "
        "from and to of a boundary transfer, the one that joined or left.",
    ),
]
New = Annotated[
    list[str] | None,
    typer.Option(
        "--new",
        metavar="NUMBER=NAME",
        help="A municipality it creates (a merger's, a split's part), repeatable.",
    ),
]
NewNumber = Annotated[str | None, typer.Option("--new-number", help="A renumbering's new number.")]
Parts = Annotated[
    list[str] | None,
    typer.Option("--part", metavar="NUMBER", help="A split's part that exists already."),
]
Rule = Annotated[
    str,
    typer.Option(
        "--rule", help="A merger's stage rule: most_advanced_common (default) or most_advanced."
    ),
]
EvidenceOpt = Annotated[
    list[str],
    typer.Option("--evidence", "-e", metavar="KEY=VALUE", help="Evidence, e.g. document_ref=URL."),
]
Comment = Annotated[str | None, typer.Option("--comment", help="Free text for the audit log.")]


def _body(
    reform_id: str,
    kind: str,
    on: str,
    parties: list[str],
    new: list[str] | None,
    new_number: str | None,
    parts: list[str] | None,
    rule: str,
    evidence: list[str],
    comment: str | None,
) -> dict[str, Any]:
    """The plan as the API takes it; BadInput names the option that is wrong."""
    if kind not in KINDS:
        raise BadInput(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    created = []
    for pair in new or []:
        number, sep, name = pair.partition("=")
        if not sep or not number.strip() or not name.strip():
            raise BadInput(f"--new: {pair!r} is not NUMBER=NAME, e.g. 5001=Trondheim")
        created.append({"number": number.strip(), "name": name.strip()})
    body: dict[str, Any] = {
        "id": reform_id,
        "kind": kind,
        "effective_on": inputs.iso_date(on, option="--on").isoformat(),
        "parties": parties,
        "new_municipalities": created,
        "existing_parts": parts or [],
        "stage_rule": rule,
        "evidence": inputs.evidence(evidence),
        "comment": comment,
    }
    if new_number is not None:
        body["new_number"] = new_number
    return body


def _print(result: dict[str, Any], json: bool) -> None:
    if json:
        typer.echo(as_json(result))
        return
    rows = []
    for effect in result["effects"]:
        stage = effect["from_stage"]
        if effect["to_stage"] != stage:
            stage = f"{stage} -> {effect['to_stage']}"
        number = effect.get("number_before") or ""
        if effect.get("number_after") and effect["number_after"] != number:
            number = f"{number} -> {effect['number_after']}"
        home = effect.get("home_before") or ""
        if effect.get("home_after") and effect["home_after"] != home:
            number = f"home {home} -> {effect['home_after']}"
        timers = len(effect["timers"])
        rows.append([effect["party"], effect["role"], stage, number, str(timers)])
    typer.echo(table(["PARTY", "ROLE", "STAGE", "NUMBER", "TIMERS"], rows))
    for effect in result["effects"]:
        landing = effect.get("landing")
        if landing:
            typer.echo(f"{effect['party']} starts in {landing['stage']}: {landing['explanation']}")
            for agreement in landing["agreements"]:
                typer.echo(
                    f"  inherits {agreement['trigger']} of {agreement['party']} "
                    f"({agreement['effective_on']})"
                )
            for opened in effect["obligations_opened"]:
                source = opened.get("inherited_from")
                typer.echo(
                    f"  opens {opened['id']} due {opened['deadline'] or '-'}"
                    + (f" (from {source})" if source else "")
                )
    for follow in result["follows"]:
        what = f"{follow['what']} {follow['subject']} ({follow['name']})"
        where = f"{follow['from_party']} -> {follow['to_party']}"
        note = f": {follow['detail']}" if follow.get("detail") else ""
        typer.echo(
            f"follows: {what} {where}{note}" if follow["carried"] else f"stays: {what}{note}"
        )
    for refused in result.get("refused", []):
        typer.echo(f"refused: {refused.get('party')}: {refused.get('message')}")
    if result.get("recorded_at"):
        typer.echo(f"Recorded {result['id']} at {result['recorded_at']}.")


def _plan_command(apply: bool) -> Any:
    def command(
        reform_id: IdArg,
        kind: Kind,
        on: On,
        party: Parties,
        evidence: EvidenceOpt,
        new: New = None,
        new_number: NewNumber = None,
        part: Parts = None,
        rule: Rule = "most_advanced_common",
        comment: Comment = None,
        json: Json = False,
    ) -> None:
        def run(api: "ApiClient") -> None:
            # Checked first (inside `remote`: a mistake is one line), then sent.
            body = _body(reform_id, kind, on, party, new, new_number, part, rule, evidence, comment)
            _print(api.reform_apply(body) if apply else api.reform_dry_run(body), json)

        remote(run)

    command.__doc__ = (
        "Record the reform: apply it to each municipality, then what follows."
        if apply
        else "List what the reform would do to each party and what would follow; nothing changes."
    )
    return command


reform_app.command("dry-run")(_plan_command(apply=False))
reform_app.command("apply")(_plan_command(apply=True))


@reform_app.command("list")
def list_reforms(
    party: Annotated[str | None, typer.Option("--party", help="Those naming it.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Those of this kind.")] = None,
    json: Json = False,
) -> None:
    """The reforms recorded, by date."""

    def run(api: "ApiClient") -> None:
        found = api.reforms(party=party, kind=kind)
        if json:
            typer.echo(as_json(found))
            return
        rows = [
            [
                r["id"],
                r["kind"],
                r["effective_on"],
                " ".join(r["from_parties"]),
                " ".join(r["to_parties"]),
            ]
            for r in found
        ]
        typer.echo(table(["ID", "KIND", "ON", "FROM", "TO"], rows))

    remote(run)


@reform_app.command("show")
def show(reform_id: IdArg, json: Json = False) -> None:
    """One reform as recorded: each party's effect, what followed, evidence."""
    remote(lambda api: _print(api.reform(reform_id), json))
