"""Commands of reports, history and corrections: report, audit, timeline, correct."""

from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.errors import CliError
from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json, KeyOption, Number, PartyKindOption
from onboarding.cli.remote import fail, remote

# What the commands do, loaded when one runs (not for --help): onboarding/cli/lazy.py.
if TYPE_CHECKING:
    from onboarding.cli import history_actions
else:
    history_actions = lazy_module("onboarding.cli.history_actions")

# -- reports, history, corrections ----------------------------------------------


report_app = typer.Typer(
    rich_markup_mode=None,
    help="Reports on a date: the funnel (default), stages, milestones over time, coverage.",
    invoke_without_command=True,
)
audit_app = typer.Typer(
    rich_markup_mode=None,
    help="The program's audit log (admin): every source, filtered; 'export' for all of it.",
    invoke_without_command=True,
)

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
    ctx: typer.Context,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    kind: PartyKindOption = None,
    json: Json = False,
) -> None:
    """The funnel: parties per stage, milestones reached and the headline, on a date."""
    if ctx.invoked_subcommand is None:
        remote(history_actions.show_report, as_of=as_of, known_on=known_on, kind=kind, json=json)


@report_app.command("stages")
def report_stages(
    as_of: AsOf = None, known_on: KnownOn = None, kind: PartyKindOption = None, json: Json = False
) -> None:
    """Every party's stage on a date, since when, and its furthest milestone."""
    remote(history_actions.show_stages, as_of=as_of, known_on=known_on, kind=kind, json=json)


@report_app.command("coverage")
def report_coverage(as_of: AsOf = None, known_on: KnownOn = None, json: Json = False) -> None:
    """Per kind of party: how many, how many live on a date, and their staff."""
    remote(history_actions.show_coverage, as_of=as_of, known_on=known_on, json=json)


@report_app.command("milestones")
def report_milestones(
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First day, YYYY-MM-DD.")],
    end: ToOption = None,
    interval: Annotated[
        str, typer.Option("--interval", help="A point at the end of each: month, quarter, year.")
    ] = "month",
    known_on: KnownOn = None,
    kind: PartyKindOption = None,
    json: Json = False,
) -> None:
    """Milestones reached at the end of each month (or quarter, year): a time series."""
    remote(
        history_actions.show_milestones,
        start=start,
        end=end,
        interval=interval,
        known_on=known_on,
        kind=kind,
        json=json,
    )


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
    remote(
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
RecordedFrom = Annotated[
    str | None, typer.Option("--from", metavar="DATE", help="Recorded on or after.")
]
RecordedTo = Annotated[
    str | None, typer.Option("--to", metavar="DATE", help="Recorded on or before.")
]


def _audit_filters(
    actor: str | None,
    kind: list[str] | None,
    municipality: str | None,
    wave: str | None,
    start: str | None,
    end: str | None,
) -> list[tuple[str, str]]:
    """The filters, checked before any request; what is refused is one line and exit 1."""
    try:
        return history_actions.audit_filters(
            actor=actor,
            kinds=kind or [],
            municipality=municipality,
            wave=wave,
            start=start,
            end=end,
        )
    except CliError as error:
        raise fail(error) from None


@audit_app.callback()
def audit(
    ctx: typer.Context,
    actor: ActorOption = None,
    kind: KindOption = None,
    municipality: MunicipalityOption = None,
    wave: WaveOption = None,
    start: RecordedFrom = None,
    end: RecordedTo = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000, help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many (paging).")] = 0,
    oldest_first: Annotated[bool, typer.Option("--oldest-first", help="Oldest first.")] = False,
    json: Json = False,
) -> None:
    """Who did what, when: the audit log across the region, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    filters = _audit_filters(actor, kind, municipality, wave, start, end)
    remote(
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
    start: RecordedFrom = None,
    end: RecordedTo = None,
) -> None:
    """The whole audit log (filtered), oldest first, to stdout: `> audit.csv`."""
    filters = _audit_filters(actor, kind, municipality, wave, start, end)
    remote(history_actions.export_audit, filters=filters, fmt=fmt)


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
    key: KeyOption = None,
    json: Json = False,
) -> None:
    """Correct a recorded transition: its date (--on), evidence, or void the last one."""
    remote(
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
