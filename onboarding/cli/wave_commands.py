"""`onboarding wave ...` and `onboarding checklist ...`: options here, the work in wave_actions."""

from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json, MunicipalityNumberArg, Number
from onboarding.cli.remote import remote

# What the commands do, loaded when one runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import wave_actions
else:
    wave_actions = lazy_module("onboarding.cli.wave_actions")

# ChecklistItemId's values, written out: importing the domain's checklist module
# (pydantic models) would cost --help a tenth of a second; a test keeps them equal.
CHECKLIST_ITEMS = (
    "technical_infrastructure",
    "integrations_tested",
    "super_users_trained",
    "end_user_training_started",
    "data_migration_rehearsed",
    "go_no_go_meeting",
)

wave_app = typer.Typer(
    rich_markup_mode=None,
    help="Production waves: members, go-live dates, go/no-go decisions and blockers.",
    no_args_is_help=True,
)
checklist_app = typer.Typer(
    rich_markup_mode=None,
    help="A wave member's readiness checklist (items due before go-live).",
    no_args_is_help=True,
)

WaveArg = Annotated[str, typer.Argument(metavar="WAVE", help="Wave id, e.g. 2025-spring.")]
At = Annotated[
    str,
    typer.Option(
        "--at",
        metavar="DATETIME",
        help="Go-live, ISO 8601: 2025-04-25T22:00 (Europe/Oslo) or with an offset.",
    ),
]
Reason = Annotated[str, typer.Option("--reason", help="Why (goes into the wave's history).")]
OptionalReason = Annotated[
    str | None, typer.Option("--reason", help="Why (required to move from another wave).")
]
Evidence = Annotated[
    list[str] | None,
    typer.Option("--evidence", "-e", metavar="KEY=VALUE", help="Evidence, repeatable."),
]
Comment = Annotated[str | None, typer.Option("--comment", help="A free-text comment.")]


@wave_app.command("list")
def wave_list(json: Json = False) -> None:
    """Every wave by go-live date: status and member count."""
    remote(wave_actions.list_waves, json=json)


@wave_app.command("show")
def wave_show(wave: WaveArg, json: Json = False) -> None:
    """One wave: members, every date it had, decisions."""
    remote(wave_actions.show_wave, wave_id=wave, json=json)


@wave_app.command("create")
def wave_create(
    wave: WaveArg,
    name: Annotated[str, typer.Option("--name", help="The wave's name.")],
    at: At,
    health_trust: Annotated[
        str | None, typer.Option("--health-trust", help="The hospital going live with it.")
    ] = None,
    after_the_fact: Annotated[
        bool,
        typer.Option(
            "--after-the-fact",
            help="Record a wave that already went live: allows a past --at; "
            "go-live then runs on its approve decision.",
        ),
    ] = False,
    json: Json = False,
) -> None:
    """Create a wave."""
    remote(
        wave_actions.create_wave,
        wave_id=wave,
        name=name,
        at=at,
        health_trust=health_trust,
        after_the_fact=after_the_fact,
        json=json,
    )


@wave_app.command("add")
def wave_add(
    wave: WaveArg, number: Number, reason: OptionalReason = None, json: Json = False
) -> None:
    """Add a party (a municipality from option_exercised on) to a wave."""
    remote(wave_actions.add_member, wave_id=wave, number=number, reason=reason, json=json)


@wave_app.command("move")
def wave_move(number: Number, wave: WaveArg, reason: Reason, json: Json = False) -> None:
    """Move (postpone) a party to another wave; its checklist goes with it."""
    remote(wave_actions.add_member, wave_id=wave, number=number, reason=reason, json=json)


@wave_app.command("remove")
def wave_remove(
    wave: WaveArg, number: MunicipalityNumberArg, reason: OptionalReason = None, json: Json = False
) -> None:
    """Remove a member from a wave (open checklist items are cancelled)."""
    remote(wave_actions.remove_member, wave_id=wave, number=number, reason=reason, json=json)


@wave_app.command("reschedule")
def wave_reschedule(wave: WaveArg, at: At, reason: Reason, json: Json = False) -> None:
    """Move a wave's go-live; every member's deadlines and reminders move with it."""
    remote(wave_actions.reschedule, wave_id=wave, at=at, reason=reason, json=json)


@wave_app.command("decide")
def wave_decide(
    wave: WaveArg,
    decision: Annotated[
        str,
        typer.Argument(
            help="approve, postpone (with --at and --reason) or close.",
            autocompletion=lambda: list(wave_actions.DECISIONS),
        ),
    ],
    at: Annotated[
        str | None, typer.Option("--at", metavar="DATETIME", help="The new go-live (postpone).")
    ] = None,
    reason: OptionalReason = None,
    evidence: Evidence = None,
    comment: Comment = None,
    json: Json = False,
) -> None:
    """Record the wave's go/no-go decision."""
    remote(
        wave_actions.decide,
        wave_id=wave,
        decision=decision,
        at=at,
        reason=reason,
        evidence=evidence or [],
        comment=comment,
        json=json,
    )


@wave_app.command("blockers")
def wave_blockers(
    wave: Annotated[
        str | None, typer.Argument(metavar="[WAVE]", help="One wave; default: every wave.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Date, YYYY-MM-DD (default: today)."),
    ] = None,
    json: Json = False,
) -> None:
    """What blocks a wave (or every wave): stages, checklist progress, missing, overdue."""
    remote(wave_actions.show_blockers, wave_id=wave, as_of=as_of, json=json)


@checklist_app.command("show")
def checklist_show(number: Number, json: Json = False) -> None:
    """A member's checklist: deadlines, what is done, what blocks approve_go_live."""
    remote(wave_actions.show_checklist, number=number, json=json)


@checklist_app.command("done")
def checklist_done(
    number: Number,
    items: Annotated[
        list[str],
        typer.Argument(
            metavar="ITEM...",
            help=f"One or more of: {', '.join(CHECKLIST_ITEMS)} (several: all or none).",
            autocompletion=lambda: list(CHECKLIST_ITEMS),
        ),
    ],
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="When it was done, YYYY-MM-DD (default today)."),
    ] = None,
    evidence: Evidence = None,
    comment: Comment = None,
    json: Json = False,
) -> None:
    """Mark checklist items done, with their date and evidence (several: one request)."""
    remote(
        wave_actions.complete_items,
        number=number,
        items=items,
        on=on,
        evidence=evidence or [],
        comment=comment,
        json=json,
    )
