"""The text of a reminder or escalation: subject and body, bokmål with an English line.

Pure functions of the due message, so the outbox stores exactly what is sent
(and what an operator sees in the API is what the recipient got).
"""

from datetime import date

from onboarding.domain.notifications import DueMessage, MessageKind


def municipality_link(base_url: str, number: str) -> str:
    """Where a recipient reads up on the municipality."""
    return f"{base_url.rstrip('/')}/municipalities/{number}"


def norwegian_date(day: date) -> str:
    """15.03.2025, as Norwegian readers write dates."""
    return day.strftime("%d.%m.%Y")


def subject(due: DueMessage) -> str:
    """One line naming what, for whom, and by when."""
    municipality = due.municipality
    return (
        f"{_kind_nb(due)}: {due.obligation_label} – {municipality.name} "
        f"({municipality.number}), frist {norwegian_date(due.deadline)}"
    )


def body(due: DueMessage, *, recipient_name: str | None, base_url: str) -> str:
    """The plain-text body: the facts, the link, and the same in English."""
    municipality = due.municipality
    link = municipality_link(base_url, municipality.number)
    greeting = f"Hei {recipient_name}," if recipient_name else "Hei,"
    lines = [
        greeting,
        "",
        f"{_situation_nb(due)}",
        "",
        f"Kommune:      {municipality.name} ({municipality.number})",
        f"Forpliktelse: {due.obligation_label}",
        f"Frist:        {norwegian_date(due.deadline)}",
        f"Type:         {_kind_nb(due)}",
        f"Lenke:        {link}",
        "",
        "--",
        f"English: {_kind_en(due)} for {municipality.name} ({municipality.number}): "
        f"{due.obligation_label}, deadline {due.deadline.isoformat()}. {link}",
        "",
        "Denne meldingen er sendt automatisk av onboarding. This message was sent automatically.",
    ]
    return "\n".join(lines) + "\n"


def _kind_nb(due: DueMessage) -> str:
    if due.kind is MessageKind.ESCALATION:
        return f"Eskalering nivå {due.level}" if due.level is not None else "Eskalering"
    if due.offset_days is not None and due.offset_days > 0:
        return f"Påminnelse {_days_nb(due.offset_days)} før frist"
    return "Påminnelse"


def _kind_en(due: DueMessage) -> str:
    if due.kind is MessageKind.ESCALATION:
        return f"Escalation level {due.level}" if due.level is not None else "Escalation"
    if due.offset_days is not None and due.offset_days > 0:
        return f"Reminder {_days_en(due.offset_days)} before the deadline"
    return "Reminder"


def _situation_nb(due: DueMessage) -> str:
    """A sentence saying where the deadline stands."""
    deadline = norwegian_date(due.deadline)
    if due.kind is MessageKind.ESCALATION:
        level = f" til nivå {due.level}" if due.level is not None else ""
        return (
            f"{due.obligation_label} er ikke registrert som oppfylt (frist {deadline}). "
            f"Saken er eskalert{level}."
        )
    days = due.offset_days
    if days is None or days <= 0:
        return f"Fristen for {due.obligation_label} er {deadline}."
    return f"Fristen for {due.obligation_label} er om {_days_nb(days)}, {deadline}."


def _days_nb(days: int) -> str:
    return "1 dag" if days == 1 else f"{days} dager"


def _days_en(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"
