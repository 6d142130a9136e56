"""`onboarding migration ...`: dry-run, apply, status, pause and resume (admin, over the API)."""

import json as jsonlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from onboarding.cli.errors import BadInput
from onboarding.cli.options import Json
from onboarding.cli.output import as_json, table
from onboarding.cli.remote import remote

if TYPE_CHECKING:  # httpx is loaded when a command runs (onboarding/cli/lazy.py)
    from onboarding.cli.client import ApiClient

migration_app = typer.Typer(
    rich_markup_mode=None,
    help="Move running parties to another process version or policy (admin).",
    no_args_is_help=True,
)

IdArg = Annotated[
    str, typer.Argument(metavar="ID", help="The migration's id, e.g. v1-to-v2 (a new one each).")
]
ToVersion = Annotated[int, typer.Option("--to-version", min=1, help="The version to move to.")]
Reason = Annotated[str, typer.Option("--reason", help="Why, for the audit log.")]
Offsets = Annotated[
    str | None,
    typer.Option("--reminder-offsets", metavar="DAYS", help="New reminder offsets, e.g. 45,30,7."),
]
PolicyFile = Annotated[
    Path | None,
    typer.Option(
        "--policy-file",
        metavar="FILE",
        help="Policy changes as a JSON object: reminder_offsets_days, escalation_ladder, "
        "send_time, checklist (docs/process-versions.md).",
    ),
]
Key = Annotated[
    str,
    typer.Option("--key", help="The process: municipality, gp_office, specialist or hospital."),
]
StageMap = Annotated[
    list[str] | None,
    typer.Option("--map", metavar="FROM=TO", help="Where parties in a stage land; repeatable."),
]
Numbers = Annotated[
    str | None,
    typer.Option("--numbers", metavar="ID,ID", help="These parties (municipality numbers or ids)."),
]
Stage = Annotated[str | None, typer.Option("--stage", help="Those now in this stage.")]
County = Annotated[str | None, typer.Option("--county", help="Those of this county.")]
Trust = Annotated[str | None, typer.Option("--health-trust", help="Those of this health trust.")]
Wave = Annotated[str | None, typer.Option("--wave", help="The members of this wave.")]
Every = Annotated[bool, typer.Option("--every", help="Every party on the process.")]


def _body(
    migration_id: str,
    to_version: int,
    reason: str,
    offsets: str | None,
    stage_map: list[str] | None,
    *,
    key: str,
    policy_file: Path | None,
    numbers: str | None,
    stage: str | None,
    county: str | None,
    health_trust: str | None,
    wave: str | None,
    every: bool,
) -> dict[str, Any]:
    """The request body of a dry-run or an apply; BadInput names the option that is wrong."""
    selection: dict[str, Any] = {
        "numbers": numbers,
        "stage": stage,
        "county": county,
        "health_trust": health_trust,
        "wave_id": wave,
        "every": every,
    }
    policy = _policy_file(policy_file)
    if offsets and "reminder_offsets_days" in policy:
        raise BadInput("--reminder-offsets: the policy file sets reminder_offsets_days already")
    if offsets:
        try:
            policy["reminder_offsets_days"] = [int(d) for d in offsets.split(",")]
        except ValueError:
            raise BadInput(f"--reminder-offsets: {offsets!r} is not days like 45,30,7") from None
    mapping: dict[str, str] = {}
    for pair in stage_map or []:
        source, _, dest = pair.partition("=")
        if not source or not dest:
            raise BadInput(f"--map: {pair!r} is not FROM=TO, e.g. preparing=call_off_signed")
        mapping[source] = dest
    plan = {
        "id": migration_id,
        "key": key,
        "to_version": to_version,
        "reason": reason,
        "stage_map": mapping,
        "policy": policy,
    }
    chosen = {k: v for k, v in selection.items() if v not in (None, False)}
    if "numbers" in chosen:
        chosen["numbers"] = [n.strip() for n in str(chosen["numbers"]).split(",") if n.strip()]
    return {"plan": plan, "selection": chosen}


def _policy_file(path: Path | None) -> dict[str, Any]:
    """The policy changes a --policy-file holds (the API checks each one)."""
    if path is None:
        return {}
    try:
        policy = jsonlib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise BadInput(f"--policy-file: {path} is not a readable JSON file ({err})") from None
    if not isinstance(policy, dict):
        raise BadInput(f"--policy-file: {path} holds no JSON object of policy changes")
    return policy


def _print_dry_run(api: "ApiClient", body: dict[str, Any], json: bool) -> None:
    result = api.migration_dry_run(body)
    if json:
        typer.echo(as_json(result))
        return
    rows = []
    for preview in result["previews"]:
        effect = preview.get("effect")
        if effect is None:
            error = preview.get("error") or {}
            rows.append(
                [preview["number"], "refused", f"{error.get('field')}: {error.get('message')}"]
            )
            continue
        timers = ", ".join(f"{t['message_key']} {t['change']}" for t in effect["timers"]) or "-"
        moved = f"{effect['from_stage']}" + (
            f" -> {effect['to_stage']}" if effect["to_stage"] != effect["from_stage"] else ""
        )
        rows.append([preview["number"], moved, timers[:70]])
    typer.echo(table(["NUMBER", "STAGE", "TIMERS"], rows))
    counts = ", ".join(f"{n} {change}" for change, n in result["timers"].items())
    typer.echo(
        f"{result['fit']} of {result['parties']} fit, {result['refused']} refused; timers: {counts}"
    )


def _print_progress(progress: dict[str, Any], json: bool) -> None:
    if json:
        typer.echo(as_json(progress))
        return
    state = "finished" if progress["finished"] else ("paused" if progress["paused"] else "running")
    typer.echo(
        f"{progress['id']} to v{progress['to_version']}: {state}, {progress['done']} of "
        f"{progress['total']} done ({progress['migrated']} migrated, {progress['already']} "
        f"already, {progress['refused']} refused, {progress['failed']} failed)"
    )


@migration_app.command("dry-run")
def dry_run(
    migration_id: IdArg,
    to_version: ToVersion,
    reason: Reason,
    reminder_offsets: Offsets = None,
    policy_file: PolicyFile = None,
    stage_map: StageMap = None,
    key: Key = "municipality",
    numbers: Numbers = None,
    stage: Stage = None,
    county: County = None,
    health_trust: Trust = None,
    wave: Wave = None,
    every: Every = False,
    json: Json = False,
) -> None:
    """List what the plan would do to each selected party now; nothing changes."""
    remote(
        lambda api: _print_dry_run(
            api,
            _body(
                migration_id,
                to_version,
                reason,
                reminder_offsets,
                stage_map,
                key=key,
                policy_file=policy_file,
                numbers=numbers,
                stage=stage,
                county=county,
                health_trust=health_trust,
                wave=wave,
                every=every,
            ),
            json,
        )
    )


@migration_app.command("apply")
def apply(
    migration_id: IdArg,
    to_version: ToVersion,
    reason: Reason,
    reminder_offsets: Offsets = None,
    policy_file: PolicyFile = None,
    stage_map: StageMap = None,
    key: Key = "municipality",
    numbers: Numbers = None,
    stage: Stage = None,
    county: County = None,
    health_trust: Trust = None,
    wave: Wave = None,
    every: Every = False,
    json: Json = False,
) -> None:
    """Start migrating the selected parties (durable: follow it with `status`)."""
    remote(
        lambda api: _print_progress(
            api.migration_apply(
                _body(
                    migration_id,
                    to_version,
                    reason,
                    reminder_offsets,
                    stage_map,
                    key=key,
                    policy_file=policy_file,
                    numbers=numbers,
                    stage=stage,
                    county=county,
                    health_trust=health_trust,
                    wave=wave,
                    every=every,
                )
            ),
            json,
        )
    )


@migration_app.command("status")
def status(migration_id: IdArg, json: Json = False) -> None:
    """How far a migration run is."""
    remote(lambda api: _print_progress(api.migration(migration_id), json))


@migration_app.command("pause")
def pause(migration_id: IdArg, json: Json = False) -> None:
    """Stop a run before its next batch."""
    remote(lambda api: _print_progress(api.migration(migration_id, "pause"), json))


@migration_app.command("resume")
def resume(migration_id: IdArg, json: Json = False) -> None:
    """Go on with a paused run."""
    remote(lambda api: _print_progress(api.migration(migration_id, "resume"), json))
