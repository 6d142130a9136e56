"""What `onboarding todo` prints: the work list's parts as tables, the counts first."""

from collections.abc import Mapping, Sequence
from typing import Any

import typer

from onboarding.cli.client import ApiClient
from onboarding.cli.output import as_json, deadline_text, table


def show_worklist(api: ApiClient, *, params: Mapping[str, object], json: bool) -> None:
    """Print the work list for the filters in `params` (None: not filtered)."""
    sent = {name: value for name, value in params.items() if value is not None}
    work = api.worklist(sent)
    typer.echo(as_json(work) if json else worklist_text(work))


def worklist_text(work: Mapping[str, Any]) -> str:
    """The counts on one line, then each part that has rows."""
    counts = work["counts"]
    days = work["filters"]["days"]
    parts = [
        f"as of {work['as_of']}: {counts['overdue']} overdue, {counts['due']} due within "
        f"{days} days, {counts['blocked']} blocking a wave, {counts['failed_notifications']} "
        f"notifications undelivered, {counts['stuck']} stuck"
    ]
    sections: Sequence[tuple[str, list[Any], list[str], Any]] = (
        ("Overdue", work["overdue"], ["PARTY", "KIND", "OBLIGATION", "DEADLINE", "DAYS"], _due),
        ("Due", work["due"], ["PARTY", "KIND", "OBLIGATION", "DEADLINE", "DAYS"], _due),
        ("Blocking a wave", work["blocked"], ["PARTY", "KIND", "WAVE", "MISSING"], _blocked),
        (
            "Notifications undelivered",
            work["failed_notifications"],
            ["PARTY", "KIND", "OBLIGATION", "TO", "STATUS"],
            _failed,
        ),
        ("Stuck", work["stuck"], ["PARTY", "KIND", "STAGE", "WHY"], _stuck),
    )
    for title, rows, headers, row in sections:
        if rows:
            parts.append(f"\n{title} ({len(rows)}):\n" + table(headers, [row(r) for r in rows]))
    return "\n".join(parts)


def _party(item: Mapping[str, Any]) -> tuple[str, str]:
    party = item["party"]
    return f"{party['id']} {party['name']}", party["kind"]


def _due(item: Mapping[str, Any]) -> tuple[object, ...]:
    # A deadline on a day off counts from the business day before it (DAYS too).
    return (*_party(item), item["obligation_id"], deadline_text(item), item["days_left"])


def _blocked(item: Mapping[str, Any]) -> tuple[object, ...]:
    missing = list(item["missing"]) + [
        f"{o['id']} {o['days_overdue']} days overdue" for o in item["overdue"]
    ]
    return (*_party(item), item["wave_id"], "; ".join(missing))


def _failed(item: Mapping[str, Any]) -> tuple[object, ...]:
    return (*_party(item), item["obligation_label"], item["recipient_role"], item["status"])


def _stuck(item: Mapping[str, Any]) -> tuple[object, ...]:
    if item["reason"] == "row_behind":
        why = f"read model behind its log (seq {item['row_seq']} of {item['log_seq']})"
    else:
        why = f"no transition for {item['days_since']} days (since {item['last_transition_on']})"
    return (*_party(item), item["party"]["stage"], why)
