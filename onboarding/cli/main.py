"""The `onboarding` command: options and arguments here, the work in one function each.

Commands that read or write talk to the API at ONBOARDING_URL with
ONBOARDING_TOKEN (default: the local `onboarding up` and its admin token).
`up`, `worker` and `api` run services; their modules are imported only when
asked for, so the client commands start fast.
"""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, ParamSpec

import typer

from onboarding.cli import (
    history_commands,
    migration_commands,
    obligation_commands,
    people_commands,
    process_commands,
    reform_commands,
    region_commands,
    signin_commands,
    worklist_commands,
)
from onboarding.cli.errors import CliError
from onboarding.cli.group import OneLineErrorsGroup
from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json, KeyOption, Number
from onboarding.cli.party_commands import party_app
from onboarding.cli.remote import fail as _fail
from onboarding.cli.remote import remote as _remote
from onboarding.cli.remote import settings as _settings
from onboarding.cli.wave_commands import checklist_app, wave_app
from onboarding.domain.vocabulary import Stage, Trigger

# What the commands do, loaded when one runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import actions, history_actions
else:
    actions = lazy_module("onboarding.cli.actions")
    history_actions = lazy_module("onboarding.cli.history_actions")

P = ParamSpec("P")

app = typer.Typer(
    rich_markup_mode=None,
    name="onboarding",
    cls=OneLineErrorsGroup,
    help="Move the region's municipalities onto the shared health record platform.",
    no_args_is_help=True,
    # Locals in tracebacks could show a token.
    pretty_exceptions_show_locals=False,
)
app.add_typer(history_commands.report_app, name="report")
app.add_typer(history_commands.audit_app, name="audit")
app.add_typer(people_commands.users_app, name="users")
app.add_typer(people_commands.contacts_app, name="contacts")
app.add_typer(obligation_commands.deadline_app, name="deadline")
app.add_typer(process_commands.process_app, name="process")
app.add_typer(migration_commands.migration_app, name="migration")
app.add_typer(reform_commands.reform_app, name="reform")
app.add_typer(region_commands.region_app, name="region")
app.add_typer(party_app, name="party")
app.add_typer(wave_app, name="wave")
app.add_typer(checklist_app, name="checklist")
db_app = typer.Typer(
    rich_markup_mode=None,
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
    from onboarding.gateway.connection import TemporalUnreachable

    try:
        options = UpOptions(
            settings=_settings(data_dir),
            api_port=port,
            temporal_port=temporal_port,
            ui_port=ui_port,
            demo=demo,
        )
        run_up(options, typer.echo)
    except (EmbeddedError, TemporalUnreachable, CliError) as error:
        _exit_after_failure(error)
    _exit_after_clean_stop()


@app.command()
def signin() -> None:
    """Sign in as a person at the identity provider (device flow), instead of a token."""
    signin_commands.sign_in()


@app.command()
def signout() -> None:
    """Forget the person signed in with `signin`."""
    signin_commands.sign_out()


@app.command()
def worker(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data dir (default: ONBOARDING_HOME or ./.onboarding).", file_okay=False),
    ] = None,
) -> None:
    """Run the worker against ONBOARDING_TEMPORAL_ADDRESS (production shape)."""
    from onboarding.embedded.errors import EmbeddedError
    from onboarding.embedded.standalone import run_worker
    from onboarding.gateway.connection import TemporalUnreachable

    try:
        run_worker(_settings(data_dir), typer.echo)
    except (EmbeddedError, TemporalUnreachable, CliError) as error:
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
    from onboarding.gateway.connection import TemporalUnreachable

    try:
        run_api(_settings(), typer.echo, host=host, port=port)
    except (EmbeddedError, TemporalUnreachable, CliError) as error:
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
    typer.echo(f"Wrote {path}; read it, then run the tests (tests/store/test_migrations.py).")


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
    """Show one municipality (or party): stage, allowed triggers, last transition."""
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
    key: KeyOption = None,
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


keys_app = typer.Typer(
    rich_markup_mode=None, help="Keys that encrypt Temporal payloads.", no_args_is_help=True
)
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

    from onboarding.gateway.keys import KeyRing, new_key

    key = new_key(key_id or datetime.now(UTC).strftime("%Y%m%d%H%M%S"))
    print(KeyRing((key,)).serialize(), end="")


# Top-level commands defined beside their command groups.
app.command()(history_commands.timeline)
app.command()(history_commands.correct)
app.command()(people_commands.notifications)
app.command()(process_commands.diagram)
app.command()(obligation_commands.obligations)
app.command()(obligation_commands.overdue)
app.command()(worklist_commands.todo)
