"""Options and arguments several command groups share."""

from typing import Annotated

import typer

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Number = Annotated[
    str,
    typer.Argument(
        help="4-digit municipality number, e.g. 5001, or another party's id, e.g. gp-923609016."
    ),
]
# Where the API takes municipalities only (a wave's members, so far).
MunicipalityNumberArg = Annotated[
    str, typer.Argument(metavar="NUMBER", help="4-digit municipality number, e.g. 5001.")
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Idempotency key: repeating the command with it returns the first result "
        "(default: a fresh key, named in the error if the outcome is unknown).",
    ),
]
PartyKindOption = Annotated[
    str | None,
    typer.Option(
        "--kind",
        help="Only this kind of party: municipality, gp_office, specialist, hospital "
        "(default: every kind together).",
    ),
]
