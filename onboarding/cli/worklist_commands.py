"""`onboarding todo`: the coordinator's work list (GET /api/worklist) on the command line."""

from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json
from onboarding.cli.remote import remote

# What the command does, loaded when it runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import worklist_actions
else:
    worklist_actions = lazy_module("onboarding.cli.worklist_actions")

KINDS = ("municipality", "gp_office", "specialist", "hospital")


def todo(
    days: Annotated[
        int,
        typer.Option("--days", metavar="N", help="Deadlines due within N days (0-366)."),
    ] = 14,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="Only parties of this kind: " + ", ".join(KINDS) + ".",
            autocompletion=lambda: KINDS,
        ),
    ] = None,
    wave: Annotated[
        str | None, typer.Option("--wave", metavar="WAVE", help="Only members of this wave.")
    ] = None,
    health_trust: Annotated[
        str | None,
        typer.Option("--health-trust", metavar="NAME", help="Only parties of this health trust."),
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", metavar="STAGE", help="Only parties now in this stage.")
    ] = None,
    json: Json = False,
) -> None:
    """What needs the program now: overdue and due deadlines, wave members blocking their
    wave, notifications that reached nobody, stuck parties (docs/worklist.md)."""
    remote(
        worklist_actions.show_worklist,
        params={
            "days": days,
            "kind": kind,
            "wave": wave,
            "health_trust": health_trust,
            "stage": stage,
        },
        json=json,
    )
