"""What a history entry says, in the page's language.

The sources (onboarding/history/sources/) write an English `summary` for the
API and the export; the pages say the same from the entry's `details`, with
stage, trigger, obligation and status names from the catalog. A kind this
module does not know (a source added later) shows its summary.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from onboarding.history.entries import AuditEntry
from onboarding.web.i18n import Translator


def _day(t: Translator, value: Any) -> str:
    return t.date(date.fromisoformat(value)) if value else "—"


def _transition(t: Translator, d: dict[str, Any]) -> str:
    return t(
        "history.transition",
        trigger=t.trigger(d["trigger"]),
        before=t.stage(d["from_stage"]),
        after=t.stage(d["to_stage"]),
    )


def _correction(t: Translator, d: dict[str, Any]) -> str:
    trigger = t.trigger(d["trigger"])
    if d["correction"] == "void":
        return t(
            "history.voided",
            trigger=trigger,
            before=t.stage(d["stage_before"]),
            after=t.stage(d["stage_after"]),
        )
    text = t("history.amended", trigger=trigger)
    if d["effective_on_after"] and d["effective_on_after"] != d["effective_on_before"]:
        text += " " + t(
            "history.amended_date",
            before=_day(t, d["effective_on_before"]),
            after=_day(t, d["effective_on_after"]),
        )
    return text


def _deadline(t: Translator, d: dict[str, Any]) -> str:
    return t(
        "history.deadline_change",
        obligation=t.obligation(d["obligation_id"], d["obligation_id"]),
        before=_day(t, d["deadline_before"]),
        after=_day(t, d["deadline_after"]),
    )


def _notification(t: Translator, d: dict[str, Any]) -> str:
    return t(
        "history.notification",
        obligation=t.obligation(d["obligation_id"], d["obligation_id"]),
        recipient=t(f"contact_role.{d['recipient_role']}"),
        status=t(f"notification_status.{d['status']}"),
    )


def _migration(t: Translator, d: dict[str, Any]) -> str:
    key = (
        "history.process_migration"
        if d["from_version"] != d["to_version"]
        else "history.policy_migration"
    )
    text = t(key, before=d["from_version"], after=d["to_version"], migration=d["migration_id"])
    if d["from_stage"] != d["to_stage"]:
        text += f": {t.stage(d['from_stage'])} → {t.stage(d['to_stage'])}"
    return text


def _moment(t: Translator, value: Any) -> str:
    return t.datetime(datetime.fromisoformat(value)) if value else "—"


def _checklist(t: Translator, entry: AuditEntry) -> str:
    item = entry.details["item"]
    return t("history.checklist_done", item=t.obligation(item, item))


def _contacts(t: Translator, entry: AuditEntry) -> str:
    d = entry.details
    return t(
        "history.contacts",
        list=t(f"history.contacts_{d['list']}"),
        before=len(d["before"]),
        after=len(d["after"]),
    )


def _token(t: Translator, entry: AuditEntry) -> str:
    d = entry.details
    return t("history.token", name=d["name"], role=t(f"role.{d['role']}"))


def _wave(t: Translator, entry: AuditEntry) -> str:
    d = entry.details
    if "event" not in d:
        raise KeyError("event")  # not a wave event's details: the summary says it
    decision = entry.evidence.get("decision", "")
    return t(
        f"history.{entry.kind}",
        wave=entry.wave or "",
        number=entry.municipality_number or "",
        other=d.get("other_wave") or "",
        when=_moment(t, d.get("go_live_at")),
        before=_moment(t, d.get("previous_go_live_at")),
        after=_moment(t, d.get("go_live_at")),
        decision=t(f"decision.{decision}") if decision else "",
    )


def _on_details(
    describer: Callable[[Translator, dict[str, Any]], str],
) -> Callable[[Translator, AuditEntry], str]:
    return lambda t, entry: describer(t, entry.details)


DESCRIBERS: dict[str, Callable[[Translator, AuditEntry], str]] = {
    "transition": _on_details(_transition),
    "correction": _on_details(_correction),
    "deadline_change": _on_details(_deadline),
    "reminder": _on_details(_notification),
    "escalation": _on_details(_notification),
    "process_migration": _on_details(_migration),
    "checklist_completion": _checklist,
    "contact_change": _contacts,
    "token_created": _token,
    "token_revoked": _token,
    "token_rescoped": _token,
}


def describe(t: Translator, entry: AuditEntry) -> str:
    """One line saying what happened; the source's English summary for an unknown kind."""
    describer = DESCRIBERS.get(entry.kind)
    if describer is None and f"history.{entry.kind}" in t.catalog:
        describer = _wave  # wave_created, wave_rescheduled, ...: one sentence each
    if describer is None:
        return entry.summary
    try:
        return describer(t, entry)
    except (KeyError, ValueError):
        # Details of an older shape than this module knows: the summary still says it.
        return entry.summary
