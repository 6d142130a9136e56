"""The `onboarding` command: options and arguments here, the work in one function each.

Commands that read or write talk to the API at ONBOARDING_URL with
ONBOARDING_TOKEN (default: the local `onboarding up` and its admin token).
`up`, `worker` and `api` run services; their modules are imported only when
asked for, so the client commands start fast.
"""

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn, ParamSpec

import typer

from onboarding.cli import actions, history_actions
from onboarding.cli.errors import CliError
from onboarding.cli.group import OneLineErrorsGroup
from onboarding.cli.options import KEY_HELP, Json, Number
from onboarding.cli.remote import fail as _fail
from onboarding.cli.remote import remote as _remote
from onboarding.cli.remote import settings as _settings
from onboarding.cli.wave_commands import checklist_app, wave_app
from onboarding.notifications import NotificationStatus
from onboarding.policy import DEFAULT_OBLIGATIONS
from onboarding.process import Stage, Trigger, mermaid_diagram

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
app.add_typer(wave_app, name="wave")
app.add_typer(checklist_app, name="checklist")
db_app = typer.Typer(
    help="The read model's schema: migrate it (ONBOARDING_DATABASE_URL), or see where it is.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


# -- shared options ----------------------------------------------------------

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


def _exit_after_failure(error: Exception) -> NoReturn:
    """Report why a service could not start or run, and exit 1 the same way.

    Whatever ran is stopped by now, but the SDK's runtime threads may abort a
    normal interpreter exit just as after a clean stop (exit -6 instead of 1).
    """
    typer.echo(f"error: {' '.join(str(error).split())}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


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
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Load the demo region (the real rollout of 2015-2024) on a fresh data dir.",
        ),
    ] = False,
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
            demo=demo,
        )
        run_up(options, typer.echo)
    except (EmbeddedError, CliError) as error:
        _exit_after_failure(error)
    _exit_after_clean_stop()


@app.command()
def worker() -> None:
    """Run the worker against ONBOARDING_TEMPORAL_ADDRESS (production shape)."""
    from onboarding.embedded.errors import EmbeddedError
    from onboarding.embedded.standalone import run_worker

    try:
        run_worker(_settings(), typer.echo)
    except (EmbeddedError, CliError) as error:
        _exit_after_failure(error)
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
        _exit_after_failure(error)
    _exit_after_clean_stop()


# -- the database -------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the read model to this version's schema (safe to run twice, or at once)."""
    from onboarding.cli.database import upgrade

    try:
        upgrade(_settings(), typer.echo)
    except CliError as error:
        raise _fail(error) from None


@db_app.command("status")
def db_status() -> None:
    """Show the database's schema revision and this version's; exit 1 if it is behind."""
    from onboarding.cli.database import status

    try:
        status(_settings(), typer.echo)
    except CliError as error:
        raise _fail(error) from None


@db_app.command("admin-token")
def db_admin_token(
    name: Annotated[str, typer.Option(help="A name for the token.")] = "admin",
) -> None:
    """Create an admin token directly in the database (a new deployment's first token)."""
    from onboarding.cli.database import admin_token

    try:
        admin_token(_settings(), name, typer.echo)
    except CliError as error:
        raise _fail(error) from None


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Argument(help="What changed, e.g. 'wave tables'.")],
) -> None:
    """For developers: write a migration for what the tables have and the migrations lack."""
    from onboarding.store.schema import new_revision

    path = new_revision(message)
    typer.echo(f"Wrote {path}; read it, then run the tests (tests/test_migrations.py).")


# -- the API's client ----------------------------------------------------------


@app.command()
def seed(json: Json = False) -> None:
    """Start a workflow for every municipality of the region (running ones are kept)."""
    _remote(actions.seed_region, json=json)


@app.command()
def reconcile(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report the drift; change nothing.")
    ] = False,
    json: Json = False,
) -> None:
    """Check the read model against the workflows and repair it from them (admin).

    Exits 1 if drift is left that it did not (or, on a dry run, would) repair.
    """
    _remote(actions.reconcile, dry_run=dry_run, json=json)


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
        typer.Option("--key", help=KEY_HELP),
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
def history(
    number: Number,
    engine: Annotated[
        bool,
        typer.Option(
            "--engine", help="The workflow's event history in Temporal, summarised (admin)."
        ),
    ] = False,
    json: Json = False,
) -> None:
    """Show every recorded transition of a municipality, oldest first."""
    if engine:
        _remote(history_actions.show_engine_history, number=number, json=json)
        return
    _remote(actions.show_history, number=number, json=json)


# -- reports, history, corrections ----------------------------------------------

report_app = typer.Typer(
    help="Reports on a date: the funnel (default), stages, milestones over time.",
    invoke_without_command=True,
)
app.add_typer(report_app, name="report")
audit_app = typer.Typer(
    help="The program's audit log (admin): every source, filtered; 'export' for all of it.",
    invoke_without_command=True,
)
app.add_typer(audit_app, name="audit")

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="Date, YYYY-MM-DD (default: today)."),
]
KnownOn = Annotated[
    str | None,
    typer.Option(
        "--known-on",
        metavar="DATE",
        help="As the report would have said then: only what was recorded by that day.",
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        help="Only this kind, repeatable: transition, correction, deadline_change, reminder, "
        "escalation.",
    ),
]
FromOption = Annotated[
    str | None, typer.Option("--from", metavar="DATE", help="First day, YYYY-MM-DD.")
]
ToOption = Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last day, YYYY-MM-DD.")]


@report_app.callback()
def report(
    ctx: typer.Context, as_of: AsOf = None, known_on: KnownOn = None, json: Json = False
) -> None:
    """The funnel: municipalities per stage, milestones reached and the headline, on a date."""
    if ctx.invoked_subcommand is None:
        _remote(history_actions.show_report, as_of=as_of, known_on=known_on, json=json)


@report_app.command("stages")
def report_stages(as_of: AsOf = None, known_on: KnownOn = None, json: Json = False) -> None:
    """Every municipality's stage on a date, since when, and its furthest milestone."""
    _remote(history_actions.show_stages, as_of=as_of, known_on=known_on, json=json)


@report_app.command("milestones")
def report_milestones(
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First day, YYYY-MM-DD.")],
    end: ToOption = None,
    interval: Annotated[
        str, typer.Option("--interval", help="A point at the end of each: month, quarter, year.")
    ] = "month",
    known_on: KnownOn = None,
    json: Json = False,
) -> None:
    """Milestones reached at the end of each month (or quarter, year): a time series."""
    _remote(
        history_actions.show_milestones,
        start=start,
        end=end,
        interval=interval,
        known_on=known_on,
        json=json,
    )


@app.command()
def timeline(
    number: Number,
    kind: KindOption = None,
    start: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Effective on or after.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Effective on or before.")
    ] = None,
    newest_first: Annotated[bool, typer.Option("--newest-first", help="Newest first.")] = False,
    json: Json = False,
) -> None:
    """Everything that happened to a municipality, by effective date, with both dates."""
    _remote(
        history_actions.show_timeline,
        number=number,
        kinds=kind or [],
        start=start,
        end=end,
        newest_first=newest_first,
        json=json,
    )


ActorOption = Annotated[
    str | None, typer.Option("--actor", help="Only this actor: id (token:3) or name.")
]
MunicipalityOption = Annotated[
    str | None, typer.Option("--municipality", metavar="NUMBER", help="Only this municipality.")
]
WaveOption = Annotated[str | None, typer.Option("--wave", help="Only this production wave.")]


@audit_app.callback()
def audit(
    ctx: typer.Context,
    actor: ActorOption = None,
    kind: KindOption = None,
    municipality: MunicipalityOption = None,
    wave: WaveOption = None,
    start: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Recorded on or after.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Recorded on or before.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000, help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many (paging).")] = 0,
    oldest_first: Annotated[bool, typer.Option("--oldest-first", help="Oldest first.")] = False,
    json: Json = False,
) -> None:
    """Who did what, when: the audit log across the region, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        filters = history_actions.audit_filters(
            actor=actor,
            kinds=kind or [],
            municipality=municipality,
            wave=wave,
            start=start,
            end=end,
        )
    except CliError as error:
        raise _fail(error) from None
    _remote(
        history_actions.show_audit,
        filters=filters,
        limit=limit,
        offset=offset,
        oldest_first=oldest_first,
        json=json,
    )


@audit_app.command("export")
def audit_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    actor: ActorOption = None,
    kind: KindOption = None,
    municipality: MunicipalityOption = None,
    wave: WaveOption = None,
    start: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Recorded on or after.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Recorded on or before.")
    ] = None,
) -> None:
    """The whole audit log (filtered), oldest first, to stdout: `> audit.csv`."""
    try:
        filters = history_actions.audit_filters(
            actor=actor,
            kinds=kind or [],
            municipality=municipality,
            wave=wave,
            start=start,
            end=end,
        )
    except CliError as error:
        raise _fail(error) from None
    _remote(history_actions.export_audit, filters=filters, fmt=fmt)


@app.command()
def correct(
    number: Number,
    event_id: Annotated[
        int, typer.Argument(help="Id of the transition's audit event (see 'timeline').")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept with the correction.")],
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="The date it really took effect."),
    ] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option("--evidence", metavar="KEY=VALUE", help="Evidence to set, repeatable."),
    ] = None,
    void: Annotated[bool, typer.Option("--void", help="Take the (last) transition back.")] = False,
    key: Annotated[
        str | None,
        typer.Option("--key", help=KEY_HELP),
    ] = None,
    json: Json = False,
) -> None:
    """Correct a recorded transition: its date (--on), evidence, or void the last one."""
    _remote(
        history_actions.record_correction,
        number=number,
        event_id=event_id,
        reason=reason,
        effective_on=on,
        evidence=evidence or [],
        void=void,
        idempotency_key=key,
        json=json,
    )


keys_app = typer.Typer(help="Keys that encrypt Temporal payloads.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("new")
def keys_new(
    key_id: Annotated[
        str, typer.Option("--id", help="the key's id, kept in every payload it seals")
    ] = "",
) -> None:
    """Print a new random key as `id:base64key`, for ONBOARDING_ENCRYPTION_KEYS.

    To rotate, put the new key first and keep the old ones after it.
    """
    from datetime import UTC, datetime

    from onboarding.codec import KeyRing, new_key

    key = new_key(key_id or datetime.now(UTC).strftime("%Y%m%d%H%M%S"))
    print(KeyRing((key,)).serialize(), end="")


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
            help="The municipality role's municipality numbers, e.g. 5001,5006.",
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
    _remote(actions.add_user, name=name, role=role, scope=scope, expires=expires, json=json)


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
    typer.Option("--key", help=KEY_HELP),
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
