"""Commands about people: API users and tokens, contact lists, the notification outbox."""

from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json, Number
from onboarding.cli.remote import remote

# What the commands do, loaded when one runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import actions
else:
    actions = lazy_module("onboarding.cli.actions")

# NotificationStatus's values, written out: importing the domain's notifications module
# (pydantic models) would cost --help a tenth of a second; a test keeps them equal.
OUTBOX_STATUSES = ("pending", "sent", "held", "failed", "no_recipient")

users_app = typer.Typer(
    rich_markup_mode=None, help="API users and their tokens.", no_args_is_help=True
)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Who the token is for.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="viewer (reads), coordinator (also records transitions), admin, "
            "or municipality (its own municipalities only; needs --scope).",
        ),
    ],
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            metavar="NUMBER,...",
            help="The municipality role's party ids, e.g. 5001,5006 (with their GP offices) "
            "or gp-923609016 (that office alone).",
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            metavar="WHEN",
            help="When the token stops working (ISO 8601 date-time, UTC if no offset).",
        ),
    ] = None,
    json: Json = False,
) -> None:
    """Create a user and print its token (shown only this once)."""
    remote(actions.add_user, name=name, role=role, scope=scope, expires=expires, json=json)


@users_app.command("list")
def users_list(json: Json = False) -> None:
    """List the API's users and their roles."""
    remote(actions.list_users, json=json)


contacts_app = typer.Typer(
    rich_markup_mode=None,
    help="Who reminders and escalations go to: per municipality, and the program's.",
    no_args_is_help=True,
)


# -- contacts and notifications --------------------------------------------------

ContactOption = Annotated[
    list[str] | None,
    typer.Option(
        "--contact",
        metavar="role=...,name=...,email=...",
        help="A contact, repeatable; the list replaces the current one.",
    ),
]
ContactFile = Annotated[
    str | None,
    typer.Option("--file", metavar="PATH", help="A JSON list of {role, name, email} ('-': stdin)."),
]
ClearOption = Annotated[bool, typer.Option("--clear", help="Remove every contact.")]


@contacts_app.command("show")
def contacts_show(number: Number, json: Json = False) -> None:
    """Show a municipality's contacts."""
    remote(actions.show_contacts, number=number, json=json)


@contacts_app.command("set")
def contacts_set(
    number: Number,
    contact: ContactOption = None,
    file: ContactFile = None,
    clear: ClearOption = False,
    json: Json = False,
) -> None:
    """Replace a municipality's contacts (roles: municipality_contact, municipal_director)."""
    remote(
        actions.set_contacts,
        number=number,
        contacts=contact or [],
        file=file,
        clear=clear,
        json=json,
    )


@contacts_app.command("program")
def contacts_program(
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="role=...,name=...,email=...",
            help="A contact, repeatable; the list replaces the current one.",
        ),
    ] = None,
    file: ContactFile = None,
    clear: ClearOption = False,
    json: Json = False,
) -> None:
    """Show the program's contacts, or replace them (program_coordinator, program_director,
    council)."""
    if not set_ and file is None and not clear:
        remote(actions.show_program_contacts, json=json)
        return
    remote(
        actions.set_contacts, number=None, contacts=set_ or [], file=file, clear=clear, json=json
    )


def notifications(
    municipality: Annotated[
        str | None, typer.Option("--municipality", metavar="NUMBER", help="Only this one.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help=f"Only this status: {', '.join(OUTBOX_STATUSES)}.",
            autocompletion=lambda: list(OUTBOX_STATUSES),
        ),
    ] = None,
    due_from: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Due on or after, YYYY-MM-DD.")
    ] = None,
    due_to: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Due on or before, YYYY-MM-DD.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000, help="At most this many.")] = 100,
    json: Json = False,
) -> None:
    """The notification outbox, newest first: sent, held, failed and undeliverable messages."""
    remote(
        actions.list_notifications,
        municipality=municipality,
        status=status,
        due_from=due_from,
        due_to=due_to,
        limit=limit,
        json=json,
    )
