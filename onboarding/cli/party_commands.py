"""`onboarding party ...`: parties of every kind; options here, the work in party_actions."""

from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json
from onboarding.cli.remote import remote

# What the commands do, loaded when one runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import party_actions
else:
    party_actions = lazy_module("onboarding.cli.party_actions")

party_app = typer.Typer(
    rich_markup_mode=None,
    help="Parties of every kind: municipalities, GP offices, private specialists, hospitals.",
    no_args_is_help=True,
)

IdArg = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="The party's id: a municipality's number (5001), or gp-923609016 etc."
    ),
]
MunicipalityOption = Annotated[
    str | None,
    typer.Option("--municipality", metavar="NUMBER", help="A municipality number, e.g. 5001."),
]


@party_app.command("list")
def party_list(
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: municipality, gp_office, specialist, hospital."),
    ] = None,
    municipality: Annotated[
        str | None,
        typer.Option(
            "--municipality",
            metavar="NUMBER",
            help="Only the parties of this municipality (itself, its GP offices, specialists).",
        ),
    ] = None,
    stage: Annotated[str | None, typer.Option(help="Only parties in this stage.")] = None,
    org_number: Annotated[
        str | None, typer.Option("--org-number", help="Only the party of this org number.")
    ] = None,
    json: Json = False,
) -> None:
    """List the parties of every kind and their stages."""
    remote(
        party_actions.list_parties,
        kind=kind,
        municipality=municipality,
        stage=stage,
        org_number=org_number,
        json=json,
    )


@party_app.command("show")
def party_show(number: IdArg, json: Json = False) -> None:
    """Show one party: kind, org number, stage, allowed triggers, last transition."""
    remote(party_actions.show_party, number=number, json=json)


@party_app.command("register")
def party_register(
    kind: Annotated[str, typer.Option(help="gp_office, specialist or hospital.")],
    org_number: Annotated[
        str, typer.Option("--org-number", help="9-digit organisation number (its id's part).")
    ],
    name: Annotated[str, typer.Option(help="The party's name.")],
    municipality: MunicipalityOption = None,
    health_trust: Annotated[
        str | None,
        typer.Option(
            "--health-trust",
            help="Required for a specialist and a hospital (e.g. St. Olavs hospital).",
        ),
    ] = None,
    specialty: Annotated[
        str | None, typer.Option(help="A specialist's specialty, e.g. psychiatry.")
    ] = None,
    staff_count: Annotated[
        int | None, typer.Option("--staff-count", min=0, help="How many work there.")
    ] = None,
    process_version: Annotated[
        int | None,
        typer.Option(
            "--process-version", min=1, help="Its kind's process version (default: newest)."
        ),
    ] = None,
    json: Json = False,
) -> None:
    """Register a GP office, private specialist or hospital (a repeat changes nothing)."""
    remote(
        party_actions.register_party,
        kind=kind,
        org_number=org_number,
        name=name,
        municipality=municipality,
        health_trust=health_trust,
        specialty=specialty,
        staff_count=staff_count,
        process_version=process_version,
        json=json,
    )


@party_app.command("import")
def party_import(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="UTF-8 CSV: kind,org_number,name,municipality_number,health_trust,specialty,"
            "staff_count.",
        ),
    ],
    json: Json = False,
) -> None:
    """Register every party of a CSV file, or none: every bad line is named with its field."""
    remote(party_actions.import_parties, path=file, json=json)
