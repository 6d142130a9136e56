"""Commands of process definitions: process list|show|diff, and the diagram.

They read the definitions this installation ships (no server needed): the
worker runs the same code, so what they print is what the engine runs.
"""

import textwrap
from typing import TYPE_CHECKING, Annotated

import typer

from onboarding.cli.lazy import lazy_module
from onboarding.cli.options import Json
from onboarding.cli.output import as_json, paragraph, table
from onboarding.cli.remote import fail
from onboarding.domain.errors import RequestRejected

# The definitions (pydantic models, the machine) load when a command runs, not for
# --help (onboarding/cli/lazy.py).
if TYPE_CHECKING:
    from onboarding.domain.process import diff as differ
    from onboarding.domain.process import machine, registry, roads
    from onboarding.domain.process.model import ProcessDefinition
    from onboarding.domain.process.road import ProcessRoad
else:
    differ = lazy_module("onboarding.domain.process.diff")
    machine = lazy_module("onboarding.domain.process.machine")
    registry = lazy_module("onboarding.domain.process.registry")
    roads = lazy_module("onboarding.domain.process.roads")

# registry.MUNICIPALITY and registry.keys(), written out so the option's default and
# help need no import (a test keeps them equal).
MUNICIPALITY = "municipality"
KEYS = ("municipality", "gp_office", "specialist", "hospital")

process_app = typer.Typer(
    rich_markup_mode=None,
    help="The process definitions and their versions (no server needed).",
    no_args_is_help=True,
)

KeyOpt = Annotated[
    str,
    typer.Option("--key", metavar="KEY", help=f"The kind of party's process: {', '.join(KEYS)}."),
]
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", metavar="N", min=1, help="The version (default: the newest)."),
]


def _definition(key: str, version: int | None) -> "ProcessDefinition":
    try:
        return (
            registry.latest(key) if version is None else registry.process_definition(key, version)
        )
    except RequestRejected as err:
        raise _refused(key, err) from None


def _road(key: str, version: int | None) -> "ProcessRoad":
    """The road alone, for what draws it: no rules built, so no pydantic imported."""
    try:
        return roads.latest_road(key) if version is None else roads.road(key, version)
    except RequestRejected as err:
        raise _refused(key, err) from None


def _refused(key: str, err: RequestRejected) -> Exception:
    option = "--key" if err.message.startswith(f"no process {key!r};") else "--version"
    return fail(Exception(f"{option}: {err.message}"))


@process_app.command("list")
def list_versions(json: Json = False) -> None:
    """List every version of every kind of party's process, and which one new parties start on."""
    processes = [p for _, p in sorted(registry.PROCESSES.items())]
    if json:
        typer.echo(
            as_json(
                [
                    {
                        "key": p.key,
                        "version": p.version,
                        "title": p.title,
                        "released_on": p.released_on,
                        "latest": registry.latest(p.key) is p,
                        "changes": list(p.changes),
                    }
                    for p in processes
                ]
            )
        )
        return
    rows = [
        [p.key, p.version, p.released_on, "yes" if registry.latest(p.key) is p else "", p.title]
        for p in processes
    ]
    typer.echo(table(["KEY", "VERSION", "RELEASED", "NEW PARTIES", "TITLE"], rows))


@process_app.command("show")
def show(key: KeyOpt = MUNICIPALITY, version: VersionOpt = None, json: Json = False) -> None:
    """Show one version: its road, triggers with required evidence, obligations, checklist."""
    process = _definition(key, version)
    if json:
        from onboarding.api.routes.process import process_info

        typer.echo(as_json(process_info(process).model_dump(mode="json")))
        return
    lines = [f"{process.title} ({process.name}), released {process.released_on}"]
    lines += [paragraph(f"- {change}", indent=2, hang=2) for change in process.changes]
    lines.append(paragraph("Main road: " + " -> ".join(s.value for s in process.main_road), hang=2))
    lines.append("")
    lines.append(
        table(
            ["TRIGGER", "REQUIRED EVIDENCE"],
            [[t.value, ", ".join(process.required_evidence(t)) or "-"] for t in process.triggers],
        )
    )
    lines.append("")
    lines.append(
        table(
            ["OBLIGATION", "OPEN IN", "DEADLINE"],
            [
                [
                    rule.id.value,
                    ", ".join(s.value for s in rule.stages),
                    f"{rule.default_deadline_days} days"
                    if rule.default_deadline_days
                    else "set by the program",
                ]
                for rule in process.obligations
            ],
        )
    )
    lines.append("")
    lines.append(
        table(
            ["CHECKLIST ITEM", "DUE"],
            [[item.id.value, f"T-{item.days_before_go_live}"] for item in process.checklist],
        )
    )
    typer.echo("\n".join(lines))


@process_app.command("diff")
def diff(
    older: Annotated[int, typer.Argument(metavar="OLDER", min=1, help="The older version.")],
    newer: Annotated[int, typer.Argument(metavar="NEWER", min=1, help="The newer version.")],
    key: KeyOpt = MUNICIPALITY,
    json: Json = False,
) -> None:
    """What changed between two versions: stages, triggers, evidence, obligations, checklist."""
    changes = differ.process_diff(_definition(key, older), _definition(key, newer))
    if json:
        typer.echo(as_json(changes.model_dump(mode="json")))
        return
    if not changes.changes:
        typer.echo(f"{key} v{older} and v{newer} are the same")
        return
    # One line per item, narrow enough for a terminal: + added, - removed, ~ changed;
    # a long value (a rule's stages) wraps under itself.
    signs = {"added": "+", "removed": "-", "changed": "~"}
    lines: list[str] = []

    def value(label: str, text: str | None) -> list[str]:
        first = f"      {label}"
        return textwrap.wrap(
            f"{first}{text}", width=100, subsequent_indent=" " * len(first), break_on_hyphens=False
        )

    for c in changes.changes:
        lines.append(f"{signs[c.change.value]} {c.part.value:<11} {c.name}")
        if c.change.value == "changed":
            lines += value("was: ", c.before) + value("now: ", c.after)
        elif c.after or c.before:
            lines += value("", c.after or c.before)
    typer.echo("\n".join(lines))


def diagram(key: KeyOpt = MUNICIPALITY, version: VersionOpt = None) -> None:
    """Print the process as a Mermaid state diagram (no server needed)."""
    typer.echo(machine.mermaid_diagram(_road(key, version)), nl=False)
