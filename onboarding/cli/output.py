"""Rendering for people (aligned plain-text tables) and for scripts (JSON).

Plain columns rather than a rich table: they survive pipes, `grep` and narrow
terminals, and cost no dependency. Functions return text; the caller prints it.
"""

import json
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any


def as_json(data: Any) -> str:
    """Indented JSON, non-ASCII kept (Norwegian names stay readable)."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None
) -> str:
    """Columns padded to their widest cell, two spaces apart, a rule under the headers.

    On a terminal, a table wider than `width` (default: the terminal's, at most
    120) wraps the text of its widest columns onto more lines of the same row;
    in a pipe every row stays one line, for grep (and --json for scripts).
    """
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    limit = width or table_width()
    if limit is not None:
        widths = _fitted(widths, headers, limit)
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    for row in cells:
        wrapped = [
            textwrap.wrap(v, w, break_on_hyphens=False) or [""]
            for v, w in zip(row, widths, strict=True)
        ]
        for n in range(max(len(c) for c in wrapped)):
            lines.append(_line([c[n] if n < len(c) else "" for c in wrapped], widths))
    return "\n".join(lines)


def table_width() -> int | None:
    """The width tables fit on a terminal: its own (COLUMNS), at most 120; None in a pipe."""
    if not sys.stdout.isatty():
        return None
    return min(shutil.get_terminal_size((120, 24)).columns, 120)


def paragraph(text: str, *, indent: int = 0, hang: int = 0) -> str:
    """`text` wrapped to the table width on a terminal (in a pipe: one line).

    `indent` spaces before the first line, `indent + hang` before the others.
    """
    limit = table_width()
    first = " " * indent
    if limit is None:
        return first + text
    rest = " " * (indent + hang)
    return "\n".join(
        textwrap.wrap(
            text,
            limit,
            initial_indent=first,
            subsequent_indent=rest,
            break_on_hyphens=False,
            break_long_words=False,
        )
        or [first]
    )


# A column is never wrapped narrower than this (or its header).
_MIN_COLUMN = 10


def _fitted(widths: list[int], headers: Sequence[str], limit: int) -> list[int]:
    """Narrow the widest columns until the table (two spaces apart) fits `limit`."""
    fitted = list(widths)
    floor = [max(len(h), _MIN_COLUMN) for h in headers]
    while sum(fitted) + 2 * (len(fitted) - 1) > limit:
        candidates = [i for i, w in enumerate(fitted) if w > floor[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: fitted[i])
        fitted[widest] -= 1
    return fitted


def _cell(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()


def municipalities_table(items: Sequence[Mapping[str, Any]]) -> str:
    """The list of municipalities, one per line, with a count under it."""
    rows = [
        (m.get("number"), m.get("name"), m.get("county"), m.get("health_trust"), stage_text(m))
        for m in items
    ]
    text = table(["NUMBER", "NAME", "COUNTY", "HEALTH TRUST", "STAGE"], rows)
    count = len(items)
    return f"{text}\n{count} {'municipality' if count == 1 else 'municipalities'}"


def municipality_details(view: Mapping[str, Any]) -> str:
    """One municipality: where it stands, what may happen next, what happened last."""
    pairs: list[tuple[str, object]] = [
        ("Number", view.get("number")),
        ("Name", view.get("name")),
        ("County", view.get("county")),
        ("Health trust", view.get("health_trust")),
        ("Stage", stage_text(view)),
        ("Process", f"version {view.get('process_version', 1)}"),
        ("Allowed triggers", ", ".join(view.get("allowed_triggers") or []) or "none"),
    ]
    blocked = blocked_lines(view)
    if blocked:
        pairs.append(("Blocked triggers", blocked[0]))
    last = view.get("last_transition")
    if isinstance(last, Mapping):
        pairs.append(("Last transition", transition_summary(last)))
    width = max(len(label) for label, _ in pairs) + 1
    lines = []
    for label, value in pairs:
        lines.append(paragraph(f"{label + ':':<{width}} {_cell(value)}", hang=width + 1))
        if label == "Blocked triggers":
            lines.extend(" " * (width + 1) + line for line in blocked[1:])
    return "\n".join(lines)


def blocked_lines(view: Mapping[str, Any]) -> list[str]:
    """Each trigger a guard holds back, then what it still lacks, one per line."""
    from onboarding.domain.parties.blocked import blocked_triggers
    from onboarding.domain.parties.models import MunicipalityView

    try:
        parsed = MunicipalityView.model_validate(view)
    except ValueError:  # an answer from another version: say nothing rather than guess
        return []
    lines: list[str] = []
    for blocked in blocked_triggers(parsed):
        lines.append(f"{blocked.trigger.value}, until:")
        lines.extend(f"  - {condition}" for condition in blocked.missing)
    return lines


def transition_result(view: Mapping[str, Any]) -> str:
    """What a transition did, in one line."""
    last = view.get("last_transition")
    head = f"{view.get('number')} {view.get('name')}"
    if not isinstance(last, Mapping):
        return f"{head}: {stage_text(view)}"
    return (
        f"{head}: {last.get('from_stage')} -> {last.get('to_stage')} "
        f"({last.get('trigger')}, effective {last.get('effective_on')}, seq {last.get('seq')})"
    )


def transition_summary(record: Mapping[str, Any]) -> str:
    """A recorded transition in one line: what, when, by whom."""
    actor = record.get("actor")
    by = actor.get("name") if isinstance(actor, Mapping) else None
    text = (
        f"{record.get('trigger')} ({record.get('from_stage')} -> {record.get('to_stage')}), "
        f"effective {record.get('effective_on')}"
    )
    return f"{text}, by {by}" if by else text


def history_table(records: Sequence[Mapping[str, Any]]) -> str:
    """The audit log of one municipality, oldest first."""
    rows = []
    for r in records:
        actor = r.get("actor")
        evidence = r.get("evidence") or {}
        rows.append(
            (
                r.get("seq"),
                r.get("effective_on"),
                r.get("trigger"),
                f"{r.get('from_stage')} -> {r.get('to_stage')}",
                actor.get("name") if isinstance(actor, Mapping) else "",
                " ".join(f"{k}={v}" for k, v in evidence.items()),
                r.get("comment"),
            )
        )
    if not rows:
        return "no transitions recorded"
    return table(["SEQ", "EFFECTIVE", "TRIGGER", "STAGES", "BY", "EVIDENCE", "COMMENT"], rows)


def funnel_report(report: Mapping[str, Any]) -> str:
    """Counts per stage and milestones reached on a date."""
    stages: Mapping[str, int] = report.get("stages") or {}
    reached: Mapping[str, int] = report.get("reached") or {}
    # A report names the kind it counts (null: every kind); one from before kinds, none.
    counted = (
        "municipalities" if report.get("kind", "municipality") == "municipality" else "parties"
    )
    parts = [
        f"As of {report.get('as_of')}: {report.get('total')} {counted}",
        "",
        table(["STAGE", counted.upper()], list(stages.items())),
        "",
        table(["MILESTONE", "REACHED"], list(reached.items())),
    ]
    return "\n".join(parts)


def users_table(users: Sequence[Mapping[str, Any]]) -> str:
    """API users (token holders): id, name, role, and whether the token still works."""
    rows = [
        (
            u.get("id"),
            u.get("name"),
            u.get("role"),
            ",".join(u.get("scope") or []),
            _day(u.get("created_at")),
            _token_status(u),
        )
        for u in users
    ]
    return table(["ID", "NAME", "ROLE", "SCOPE", "CREATED", "STATUS"], rows)


def _token_status(user: Mapping[str, Any]) -> str:
    if user.get("revoked_at"):
        return "revoked " + _day(user.get("revoked_at"))
    if user.get("expires_at"):
        return "expires " + _day(user.get("expires_at"))
    return "active"


def _day(moment: object) -> str:
    """The date part of an ISO timestamp."""
    return str(moment)[:10] if moment else ""


def region_loaded(result: Any) -> str:
    """The answer of a region load."""
    loaded = result.get("loaded") if isinstance(result, Mapping) else result
    return f"Loaded {loaded} municipalities (those already running were kept)."


def stage_text(view: Mapping[str, Any]) -> str:
    """A party's stage, and the stage it was paused from if it is paused."""
    stage = str(view.get("stage"))
    paused_from = view.get("paused_from")
    return f"{stage} (from {paused_from})" if paused_from else stage


def contacts_table(contacts: Sequence[Mapping[str, Any]]) -> str:
    """A contact list, and who last set it."""
    if not contacts:
        return "no contacts"
    rows = [(c.get("role"), c.get("name"), c.get("email")) for c in contacts]
    text = table(["ROLE", "NAME", "EMAIL"], rows)
    first = contacts[0]
    return f"{text}\nset {_day(first.get('updated_at'))} by {first.get('updated_by')}"


def notifications_table(items: Sequence[Mapping[str, Any]]) -> str:
    """Outbox rows, newest first: what, to whom, and where delivery stands."""
    if not items:
        return "no notifications"
    rows = [
        (
            n.get("id"),
            _oslo_day(n.get("due_at")),
            f"{n.get('municipality_number')} {n.get('municipality_name')}",
            n.get("obligation_label"),
            n.get("message_key"),
            n.get("deadline"),
            _recipient(n),
            _delivery(n),
        )
        for n in items
    ]
    headers = ["ID", "DUE", "MUNICIPALITY", "OBLIGATION", "MESSAGE", "DEADLINE", "TO", "STATUS"]
    count = len(items)
    return f"{table(headers, rows)}\n{count} {'notification' if count == 1 else 'notifications'}"


def _recipient(notification: Mapping[str, Any]) -> str:
    email = notification.get("recipient_email")
    role = notification.get("recipient_role")
    return f"{role}: {email}" if email else f"{role}: nobody"


def _delivery(notification: Mapping[str, Any]) -> str:
    """The status, with the attempts and the last error when delivery has trouble."""
    status = str(notification.get("status"))
    attempts = notification.get("attempts") or 0
    error = notification.get("last_error")
    if status == "failed":
        return f"failed after {attempts} attempt{'s' if attempts != 1 else ''}: {error}"
    if status == "no_recipient":
        return "no_recipient"
    if status == "sent":
        return f"sent {_day(notification.get('sent_at'))}"
    return status


def _oslo_day(moment: object) -> str:
    """The Oslo date of an ISO timestamp (the program's calendar)."""
    # Here, not at the top: zoneinfo is not needed by --help and the local commands.
    from onboarding.domain.calendar import OSLO

    try:
        return datetime.fromisoformat(str(moment)).astimezone(OSLO).date().isoformat()
    except ValueError:
        return _day(moment)


# -- obligations -------------------------------------------------------------------


def obligations_table(obligations: Sequence[Mapping[str, Any]]) -> str:
    """A municipality's obligations, then each one's pending reminders and escalations."""
    if not obligations:
        return "no obligations"
    rows = [
        (
            o.get("id"),
            o.get("label"),
            _obligation_status(o),
            deadline_text(o),
            o.get("escalation_level"),
            o.get("opened_on"),
        )
        for o in obligations
    ]
    parts = [table(["OBLIGATION", "LABEL", "STATUS", "DEADLINE", "LEVEL", "OPENED"], rows)]
    for obligation in obligations:
        if obligation.get("pending"):
            parts.extend(["", pending_table(obligation)])
    return "\n".join(parts)


def pending_table(obligation: Mapping[str, Any]) -> str:
    """What is still to go out for one obligation, at its local instant, indented."""
    pending: Sequence[Mapping[str, Any]] = obligation.get("pending") or []
    rows = [
        (
            _local_instant(m.get("at")),
            m.get("kind"),
            m.get("message_key"),
            ", ".join(m.get("recipients") or []),
        )
        for m in pending
    ]
    count = len(pending)
    head = f"{obligation.get('id')}: {count} pending"
    body = table(["AT", "KIND", "MESSAGE", "TO"], rows)
    return "\n".join([head, *("  " + line for line in body.splitlines())])


def deadline_set(number: str, obligation: Mapping[str, Any]) -> str:
    """The answer to a deadline change: the deadline now, and what it has scheduled."""
    head = (
        f"{number} {obligation.get('id')}: deadline {deadline_text(obligation)}, "
        f"{_obligation_status(obligation)}, escalation level {obligation.get('escalation_level')}"
    )
    if not obligation.get("pending"):
        return f"{head}\nnothing pending"
    return f"{head}\n{pending_table(obligation)}"


def bulk_deadlines(result: Mapping[str, Any]) -> str:
    """A line per municipality, ok with its deadline or failed with the reason; then counts."""
    rows: list[tuple[object, ...]] = []
    for item in result.get("results") or []:
        if item.get("ok"):
            rows.append((item.get("number"), "ok", f"deadline {deadline_text(item['obligation'])}"))
        else:
            rows.append(
                (item.get("number"), "failed", _error_message(item.get("error")) or "refused")
            )
    summary = (
        f"{result.get('obligation_id')}: {result.get('succeeded')} of "
        f"{result.get('requested')} set, {result.get('failed')} failed"
    )
    if not rows:
        return summary
    return f"{table(['NUMBER', 'RESULT', 'DETAIL'], rows)}\n{summary}"


def overdue_table(items: Sequence[Mapping[str, Any]], *, as_of: date | None) -> str:
    """Open obligations past their deadline, most overdue first."""
    on = f"on {as_of.isoformat()}" if as_of else "today"
    if not items:
        return f"no overdue obligations {on}"
    rows = [
        (
            o.get("number"),
            o.get("name"),
            o.get("obligation_id"),
            o.get("label"),
            deadline_text(o),
            o.get("days_overdue"),
        )
        for o in items
    ]
    headers = ["NUMBER", "NAME", "OBLIGATION", "LABEL", "DEADLINE", "DAYS OVERDUE"]
    count = len(items)
    noun = "obligation" if count == 1 else "obligations"
    return f"{table(headers, rows)}\n{count} overdue {noun} {on}"


def deadline_text(obligation: Mapping[str, Any]) -> str:
    """The deadline, and the business day it falls back to when that is another day.

    Never "effective": that word is a transition's date everywhere else.
    """
    deadline = obligation.get("deadline")
    if deadline is None:
        return "none"
    effective = obligation.get("effective_deadline")
    if effective and effective != deadline:
        # Falls on a weekend or holiday: due the business day before.
        return f"{deadline} (business day: {effective})"
    return str(deadline)


def _obligation_status(obligation: Mapping[str, Any]) -> str:
    status = str(obligation.get("status"))
    closed = obligation.get("closed_on")
    return f"{status} {closed}" if closed else status


def _local_instant(moment: object) -> str:
    """An ISO instant as `YYYY-MM-DD HH:MM +HH:MM`, in the offset the API gave (the policy's)."""
    try:
        instant = datetime.fromisoformat(str(moment))
    except ValueError:
        return str(moment)
    offset = instant.utcoffset()
    if offset is None:
        return f"{instant:%Y-%m-%d %H:%M}"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{instant:%Y-%m-%d %H:%M} {sign}{hours:02d}:{rest:02d}"


def reconcile_report(report: Mapping[str, Any]) -> str:
    """What reconciliation checked, found and did, one line per finding."""
    findings = report.get("findings") or []
    mode = "dry run, nothing changed" if report.get("dry_run") else "repairs applied"
    head = f"checked {report.get('checked')} municipalities ({mode})"
    if not report.get("workflows_listed"):
        head += "; Temporal could not list workflows, so only the read model's were checked"
    if not findings:
        return f"{head}: no drift"
    rows = [
        (
            f.get("number"),
            f.get("kind"),
            f.get("detail"),
            "repaired" if f.get("repaired") else "open",
            f.get("action") or "",
        )
        for f in findings
    ]
    return f"{head}\n" + table(["number", "kind", "detail", "state", "action"], rows)


def _error_message(error: object) -> str | None:
    # The client (httpx) is loaded when a result is printed, not for --help.
    from onboarding.cli.client import error_message

    return error_message(error)
