"""Commands of obligations: obligations, deadline set|bulk, overdue."""

from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json, KeyOption, Number, PartyKindOption
from onboarding.cli.remote import remote
from onboarding.domain.vocabulary import Stage

# What the commands do, loaded when one runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import actions
else:
    actions = lazy_module("onboarding.cli.actions")

deadline_app = typer.Typer(
    rich_markup_mode=None,
    help="Set or move obligations' deadlines (re-arms their reminders and escalations).",
    no_args_is_help=True,
)


# -- obligations and deadlines ----------------------------------------------------


def _obligation_ids() -> list[str]:
    # The policy is imported for completion only: it costs a tenth of a second.
    from onboarding.domain.policy import DEFAULT_OBLIGATIONS

    return [rule.id.value for rule in DEFAULT_OBLIGATIONS]


ObligationArg = Annotated[
    str,
    typer.Argument(
        metavar="OBLIGATION",
        help="The obligation: the trigger that fulfils it, e.g. exercise_option.",
        autocompletion=_obligation_ids,
    ),
]
DeadlineOn = Annotated[
    str,
    typer.Option(
        "--on", metavar="DATE", help="The deadline, YYYY-MM-DD (today or later, Europe/Oslo)."
    ),
]
Reason = Annotated[
    str, typer.Option("--reason", metavar="TEXT", help="Why it is set or moved, for the audit log.")
]


def obligations(number: Number, json: Json = False) -> None:
    """Show a municipality's obligations: status, deadline, escalation level, what is pending."""
    remote(actions.show_obligations, number=number, json=json)


@deadline_app.command("set")
def deadline_set(
    number: Number,
    obligation: ObligationArg,
    on: DeadlineOn,
    reason: Reason,
    key: KeyOption = None,
    json: Json = False,
) -> None:
    """Set or move one municipality's deadline for an obligation."""
    remote(
        actions.set_deadline,
        number=number,
        obligation_id=obligation,
        deadline=on,
        reason=reason,
        idempotency_key=key,
        json=json,
    )


@deadline_app.command("bulk")
def deadline_bulk(
    obligation: ObligationArg,
    on: DeadlineOn,
    reason: Reason,
    numbers: Annotated[
        str | None,
        typer.Option(
            "--numbers", metavar="NUMBER,...", help="These municipalities, e.g. 5001,5006."
        ),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            help="Every municipality now in this stage, e.g. collaboration_signed.",
            autocompletion=lambda: [s.value for s in Stage],
        ),
    ] = None,
    key: KeyOption = None,
    json: Json = False,
) -> None:
    """Set one deadline for many municipalities (--numbers or --stage), a line each.

    Exits non-zero if it failed for any of them; the others keep their new deadline.
    """
    remote(
        actions.bulk_set_deadline,
        obligation_id=obligation,
        numbers=numbers,
        stage=stage,
        deadline=on,
        reason=reason,
        idempotency_key=key,
        json=json,
    )


def overdue(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Date, YYYY-MM-DD (default: today)."),
    ] = None,
    kind: PartyKindOption = None,
    json: Json = False,
) -> None:
    """Open obligations whose deadline had passed on a date, most overdue first."""
    remote(actions.show_overdue, as_of=as_of, kind=kind, json=json)
