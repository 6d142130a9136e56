"""How the history and report commands print their answers (tables for people)."""

from collections.abc import Mapping, Sequence
from typing import Any

from onboarding.cli.output import funnel_report, table


def _actor(entry: Mapping[str, Any]) -> str:
    actor = entry.get("actor")
    return str(actor.get("name")) if isinstance(actor, Mapping) else ""


def _evidence(entry: Mapping[str, Any]) -> str:
    evidence = entry.get("evidence") or {}
    return " ".join(f"{k}={v}" for k, v in evidence.items())


def entries_table(entries: Sequence[Mapping[str, Any]]) -> str:
    """Timeline or audit entries: both dates, kind, what, who, evidence, comment."""
    if not entries:
        return "no entries"
    rows: list[tuple[Any, ...]] = [
        (
            e.get("id"),
            e.get("effective_on") or "",
            _recorded(e),
            e.get("municipality_number") or "",
            e.get("summary"),
            _actor(e),
            _evidence(e),
            e.get("comment") or "",
        )
        for e in entries
    ]
    header = ["ID", "EFFECTIVE", "RECORDED (UTC)", "NO.", "WHAT", "BY", "EVIDENCE", "COMMENT"]
    if any(e.get("predecessor") for e in entries):
        # A timeline with its predecessors' history: whose each entry is.
        header.insert(4, "OF")
        rows = [(*r[:4], _predecessor(e), *r[4:]) for r, e in zip(rows, entries, strict=True)]
    text = table(header, rows)
    if any(e.get("entered_at") for e in entries):
        text += "\n* backdated: entered later by the demo loader, with this recording time"
    return text


def _recorded(entry: Mapping[str, Any]) -> str:
    """When it was recorded (UTC); a backdated entry (the demo loader's) is marked with *."""
    moment = str(entry.get("recorded_at") or "")[:19].replace("T", " ")
    return f"{moment} *" if entry.get("entered_at") else moment


def _predecessor(entry: Mapping[str, Any]) -> str:
    """`Klæbu (1662)` on an entry from a predecessor's history, else empty."""
    mark = entry.get("predecessor")
    return f"{mark['name']} ({mark['number']})" if mark else ""


def audit_page(page: Mapping[str, Any]) -> str:
    """One page of the audit log, and how to get the next."""
    text = entries_table(page.get("items") or [])
    following = page.get("next_offset")
    if following is not None:
        text += f"\n(more: --offset {following})"
    return text


# What `signed` counts, by the kind the report is of (None: every kind together).
_SIGNED = {
    None: "signed their agreement",
    "municipality": "signed the service agreement",
    "gp_office": "signed the standard agreement",
    "specialist": "signed the standard agreement",
}


def funnel_with_headline(report: Mapping[str, Any]) -> str:
    """The funnel, led by the headline counts of the status reports."""
    known = f", as known on {report['known_on']}" if report.get("known_on") else ""
    kind = report.get("kind")
    signed = f"{report.get('signed')} {_SIGNED[kind]}, " if kind in _SIGNED else ""
    headline = f"{signed}{report.get('preparing')} preparing, {report.get('live')} live{known}"
    of = f" ({kind})" if kind else " (every kind of party)"
    return f"{headline}{of}\n{funnel_report(report)}"


def stages_table(report: Mapping[str, Any]) -> str:
    """Every party's stage on the report's date (with its kind, when every kind is shown)."""
    every_kind = report.get("kind") is None
    rows = [
        (
            r.get("number"),
            r.get("name"),
            *((r.get("kind"),) if every_kind else ()),
            r.get("stage"),
            r.get("since") or "",
            r.get("milestone"),
        )
        for r in report.get("municipalities") or []
    ]
    known = f", as known on {report['known_on']}" if report.get("known_on") else ""
    headers = ["NO.", "NAME", *(["KIND"] if every_kind else []), "STAGE", "SINCE"]
    return f"As of {report.get('as_of')}{known}\n" + table([*headers, "FURTHEST MILESTONE"], rows)


def coverage_table(report: Mapping[str, Any]) -> str:
    """Per kind of party: how many, live, and their staff (and how many have none recorded)."""
    rows = [
        (
            row.get("kind") or "together",
            row.get("parties"),
            row.get("live"),
            row["staff"]["staff"],
            row["staff"]["unrecorded"],
            row["staff_live"]["staff"],
            row["staff_live"]["unrecorded"],
        )
        for row in [*(report.get("kinds") or []), report["together"]]
    ]
    known = f", as known on {report['known_on']}" if report.get("known_on") else ""
    headers = ["KIND", "PARTIES", "LIVE", "STAFF", "NO STAFF COUNT", "STAFF LIVE", "LIVE, NO COUNT"]
    return f"As of {report.get('as_of')}{known}\n" + table(headers, rows)


def milestones_table(series: Mapping[str, Any]) -> str:
    """Milestones reached at the end of each interval: a column per milestone."""
    points = series.get("points") or []
    milestones = list((points[0].get("reached") or {}).keys()) if points else []
    rows = [(p.get("on"), *((p.get("reached") or {}).get(m) for m in milestones)) for p in points]
    return table(["ON", *(m.upper() for m in milestones)], rows)


def correction_result(result: Mapping[str, Any]) -> str:
    """What the correction recorded and where the municipality stands now."""
    correction = result.get("correction") or {}
    municipality = result.get("municipality") or {}
    kind = correction.get("kind")
    what = (
        f"voided {correction.get('trigger')} (event {correction.get('event_id')})"
        if kind == "void"
        else f"amended {correction.get('trigger')} (event {correction.get('event_id')}): "
        f"effective {correction.get('effective_on_before')} -> "
        f"{correction.get('effective_on_after')}"
    )
    return f"{municipality.get('number')} {municipality.get('name')}: {what}; " + (
        f"stage {municipality.get('stage')}"
    )


def engine_links(info: Mapping[str, Any]) -> str:
    """The workflow behind a municipality: id, runs and web UI links."""
    lines = [f"workflow {info.get('workflow_id')}: {info.get('ui_url')}"]
    for run in info.get("runs") or []:
        lines.append(f"  run {run.get('run_id')} (first seen {run.get('first_seen_at')})")
    return "\n".join(lines)


def engine_history(summary: Mapping[str, Any]) -> str:
    """The workflow's event history, run by run: event types, counts, first and last time."""
    lines = [f"workflow {summary.get('workflow_id')}"]
    for run in summary.get("runs") or []:
        lines.append(
            f"run {run.get('run_id')} ({run.get('status')}): {run.get('events')} events, "
            f"{run.get('first_event_at')} .. {run.get('last_event_at')}"
        )
        lines.append(f"  {run.get('ui_url')}")
        rows = [
            (t.get("event_type"), t.get("count"), t.get("first_at"), t.get("last_at"))
            for t in run.get("event_types") or []
        ]
        lines.append(table(["EVENT TYPE", "COUNT", "FIRST", "LAST"], rows))
    missing = summary.get("runs_not_in_engine") or []
    if missing:
        lines.append(f"runs no longer kept by Temporal: {', '.join(missing)}")
    return "\n".join(lines)
