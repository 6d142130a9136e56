"""The `onboarding` command: options and arguments here, the work in one function each.

Commands that read or write talk to the API at ONBOARDING_URL with
ONBOARDING_TOKEN (default: the local `onboarding up` and its admin token).
`up`, `worker` and `api` run services; their modules are imported only when
asked for, so the client commands start fast.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Concatenate, ParamSpec

import typer
from pydantic import ValidationError

from onboarding.cli import actions
from onboarding.cli.client import ApiClient
from onboarding.cli.errors import CliError
from onboarding.cli.group import OneLineErrorsGroup
from onboarding.notifications import NotificationStatus
from onboarding.policy import DEFAULT_OBLIGATIONS
from onboarding.process import Stage, Trigger, mermaid_diagram
from onboarding.settings import Settings

P = ParamSpec("P")

app = typer.Typer(
    name="onboarding",
    cls=OneLineErrorsGroup,
    help="Move the region's municipalities onto the shared health record platform.",
    no_args_is_help=True,
    # Locals in tracebacks could show a token.
    pretty_exceptions_show_locals=False,
)
users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
contacts_app = typer.Typer(
    help="Who reminders and escalations go to: per municipality, and the program's.",
    no_args_is_help=True,
)
app.add_typer(contacts_app, name="contacts")
deadline_app = typer.Typer(
    help="Set or move obligations' deadlines (re-arms their reminders and escalations).",
    no_args_is_help=True,
)
app.add_typer(deadline_app, name="deadline")


# -- shared options ----------------------------------------------------------

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Number = Annotated[str, typer.Argument(help="4-digit municipality number, e.g. 5001.")]
StageOption = Annotated[
    str | None,
    typer.Option(
        "--stage",
        help=f"Only municipalities in this stage: {', '.join(s.value for s in Stage)}.",
        autocompletion=lambda: [s.value for s in Stage],
    ),
]


def _exit_after_clean_stop() -> None:
    """Exit 0 now that every service has stopped and said so.

    The Temporal SDK's native runtime keeps threads that may still call into
    Python while the interpreter finalizes, which aborts the process
    ("PyGILState_Release ... finalizing", exit -6) after an otherwise clean
    stop. Everything is shut down and flushed by now, so skip finalization.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _fail(error: Exception) -> typer.Exit:
    """Report `error` as one line on stderr; the caller raises the returned Exit(1)."""
    typer.echo(f"error: {' '.join(str(error).split())}", err=True)
    return typer.Exit(1)


def _remote(
    action: Callable[Concatenate[ApiClient, P], None], *args: P.args, **kwargs: P.kwargs
) -> None:
    """Run `action` against the configured API; any CliError is one line and exit 1."""
    try:
        with ApiClient.from_settings(_settings()) as api:
            action(api, *args, **kwargs)
    except CliError as error:
        raise _fail(error) from None


def _settings(data_dir: Path | None = None) -> Settings:
    """Settings from the environment, with the command's options on top."""
    try:
        settings = Settings()
    except ValidationError as err:
        first = err.errors()[0]
        # Checks across settings (the SMTP ones) name no single variable.
        name = "ONBOARDING_" + "_".join(str(p) for p in first["loc"]).upper()
        message = first["msg"].removeprefix("Value error, ")
        raise CliError(f"{name}: {message}" if first["loc"] else message) from None
    if data_dir is not None:
        settings = settings.model_copy(update={"home": data_dir})
    return settings


# -- services ----------------------------------------------------------------


@app.command()
def up(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data dir (default: ONBOARDING_HOME or ./.onboarding).", file_okay=False),
    ] = None,
    port: Annotated[int, typer.Option(help="Port of the API.")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="Port of the Temporal dev server.")] = 7233,
    ui_port: Annotated[
        int | None,
        typer.Option(help="Port of the Temporal web UI (default: Temporal port + 1000)."),
    ] = None,
) -> None:
    """Run everything on this machine: a Temporal dev server, the worker and the API."""
    from onboarding.embedded.errors import EmbeddedError
    from onboarding.embedded.up import UpOptions, run_up

    try:
        options = UpOptions(
            settings=_settings(data_dir),
            api_port=port,
            temporal_port=temporal_port,
            ui_port=ui_port,
        )
        run_up(options, typer.echo)
    except (EmbeddedError, CliError) as error:
        raise _fail(error) from None
    _exit_after_clean_stop()


@app.command()
def worker() -> None:
    """Run the worker against ONBOARDING_TEMPORAL_ADDRESS (production shape)."""
    from onboarding.embedded.errors import EmbeddedError
    from onboarding.embedded.standalone import run_worker

    try:
        run_worker(_settings(), typer.echo)
    except (EmbeddedError, CliError) as error:
        raise _fail(error) from None
    _exit_after_clean_stop()


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the REST API against ONBOARDING_TEMPORAL_ADDRESS (production shape)."""
    from onboarding.embedded.errors import EmbeddedError
    from onboarding.embedded.standalone import run_api

    try:
        run_api(_settings(), typer.echo, host=host, port=port)
    except (EmbeddedError, CliError) as error:
        raise _fail(error) from None
    _exit_after_clean_stop()


# -- the API's client ----------------------------------------------------------


@app.command()
def seed(json: Json = False) -> None:
    """Start a workflow for every municipality of the region (running ones are kept)."""
    _remote(actions.seed_region, json=json)


@app.command("list")
def list_(stage: StageOption = None, json: Json = False) -> None:
    """List the municipalities and their stages."""
    _remote(actions.list_municipalities, stage=stage, json=json)


@app.command()
def show(number: Number, json: Json = False) -> None:
    """Show one municipality: stage, allowed triggers, last transition."""
    _remote(actions.show_municipality, number=number, json=json)


@app.command()
def transition(
    number: Number,
    trigger: Annotated[
        str,
        typer.Argument(
            help=f"What happened: {', '.join(t.value for t in Trigger)}.",
            autocompletion=lambda: [t.value for t in Trigger],
        ),
    ],
    on: Annotated[
        str | None,
        typer.Option(
            "--on", metavar="DATE", help="Date it took effect, YYYY-MM-DD (default: today, Oslo)."
        ),
    ] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            "--evidence",
            metavar="KEY=VALUE",
            help="Evidence as key=value, repeatable, e.g. case_ref=2021/1234.",
        ),
    ] = None,
    comment: Annotated[str | None, typer.Option(help="Free text for the audit log.")] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: repeating it returns the first result."),
    ] = None,
    json: Json = False,
) -> None:
    """Record a transition of a municipality (e.g. exercise_option with its case number)."""
    _remote(
        actions.record_transition,
        number=number,
        trigger=trigger,
        effective_on=on,
        evidence=evidence or [],
        comment=comment,
        idempotency_key=key,
        json=json,
    )


@app.command()
def history(number: Number, json: Json = False) -> None:
    """Show every recorded transition of a municipality, oldest first."""
    _remote(actions.show_history, number=number, json=json)


@app.command()
def report(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Date, YYYY-MM-DD (default: today)."),
    ] = None,
    json: Json = False,
) -> None:
    """The funnel: municipalities per stage, and milestones reached, on a date."""
    _remote(actions.show_report, as_of=as_of, json=json)


@app.command()
def diagram() -> None:
    """Print the process as a Mermaid state diagram (no server needed)."""
    typer.echo(mermaid_diagram(), nl=False)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Who the token is for.")],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="viewer (reads), coordinator (also records transitions) or admin."
        ),
    ],
    json: Json = False,
) -> None:
    """Create a user and print its token (shown only this once)."""
    _remote(actions.add_user, name=name, role=role, json=json)


@users_app.command("list")
def users_list(json: Json = False) -> None:
    """List the API's users and their roles."""
    _remote(actions.list_users, json=json)


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
    _remote(actions.show_contacts, number=number, json=json)


@contacts_app.command("set")
def contacts_set(
    number: Number,
    contact: ContactOption = None,
    file: ContactFile = None,
    clear: ClearOption = False,
    json: Json = False,
) -> None:
    """Replace a municipality's contacts (roles: municipality_contact, municipal_director)."""
    _remote(
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
        _remote(actions.show_program_contacts, json=json)
        return
    _remote(
        actions.set_contacts, number=None, contacts=set_ or [], file=file, clear=clear, json=json
    )


@app.command()
def notifications(
    municipality: Annotated[
        str | None, typer.Option("--municipality", metavar="NUMBER", help="Only this one.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help=f"Only this status: {', '.join(s.value for s in NotificationStatus)}.",
            autocompletion=lambda: [s.value for s in NotificationStatus],
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
    _remote(
        actions.list_notifications,
        municipality=municipality,
        status=status,
        due_from=due_from,
        due_to=due_to,
        limit=limit,
        json=json,
    )


# -- obligations and deadlines ----------------------------------------------------

ObligationArg = Annotated[
    str,
    typer.Argument(
        metavar="OBLIGATION",
        help="The obligation: the trigger that fulfils it, e.g. exercise_option.",
        autocompletion=lambda: [rule.id.value for rule in DEFAULT_OBLIGATIONS],
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
DeadlineKey = Annotated[
    str | None,
    typer.Option("--key", help="Idempotency key: repeating it returns the first result."),
]


@app.command()
def obligations(number: Number, json: Json = False) -> None:
    """Show a municipality's obligations: status, deadline, escalation level, what is pending."""
    _remote(actions.show_obligations, number=number, json=json)


@deadline_app.command("set")
def deadline_set(
    number: Number,
    obligation: ObligationArg,
    on: DeadlineOn,
    reason: Reason,
    key: DeadlineKey = None,
    json: Json = False,
) -> None:
    """Set or move one municipality's deadline for an obligation."""
    _remote(
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
    key: DeadlineKey = None,
    json: Json = False,
) -> None:
    """Set one deadline for many municipalities (--numbers or --stage), a line each.

    Exits non-zero if it failed for any of them; the others keep their new deadline.
    """
    _remote(
        actions.bulk_set_deadline,
        obligation_id=obligation,
        numbers=numbers,
        stage=stage,
        deadline=on,
        reason=reason,
        idempotency_key=key,
        json=json,
    )


@app.command()
def overdue(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Date, YYYY-MM-DD (default: today)."),
    ] = None,
    json: Json = False,
) -> None:
    """Open obligations whose deadline had passed on a date, most overdue first."""
    _remote(actions.show_overdue, as_of=as_of, json=json)
