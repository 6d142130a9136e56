"""The endurance run's own parts that need no servers: its plan, its relay and its tally.

The run itself (tools/endurance/, an hour of processes) is not a test; these
keep the parts it counts with honest: the relay reads the Message-ID the
mailer writes, the plan fits the process the region runs, and the tally
breaks on a copy at the relay or a row nobody was due.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session

from onboarding.mail import OutgoingMail, build_message
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from onboarding.store.tables.notifications import NotificationRow
from tools.endurance import tally
from tools.endurance.load import ARMED_OBLIGATION, OPEN_STAGES, PROCESS, Armed, check_plan
from tools.endurance.rig import SENDER, Relay

DEADLINE = date(2026, 12, 3)
INSTANT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@dataclass
class Mail:
    """What aiosmtpd hands the relay's handler."""

    content: bytes
    rcpt_tos: list[str] = field(default_factory=list)


def delivered(relay: Relay, key: str) -> None:
    mail = OutgoingMail("kontakt@endurance.example.no", "Kontakt", "Påminnelse", "Tekst", key)
    message = build_message(mail, sender=SENDER)
    asyncio.run(relay.handle_DATA(None, None, Mail(message.as_bytes())))  # type: ignore[arg-type]


def row_key(role: str) -> str:
    """The outbox key of 5001's escalation-1 row for `role` (onboarding/store/outbox.py)."""
    email = "kontakt-5001@endurance.example.no"
    return f"5001:{ARMED_OBLIGATION}:{DEADLINE}:escalation-1:{role}:{email}"


def test_the_relay_reads_the_message_id_the_mailer_writes_even_folded() -> None:
    relay = Relay()
    delivered(relay, row_key("municipality_contact"))
    assert relay.received() == [tally.message_id(row_key("municipality_contact"))]


def test_the_load_fits_the_process_the_region_runs() -> None:
    check_plan()
    rule = next(o for o in PROCESS.obligations if o.id.value == ARMED_OBLIGATION)
    assert list(OPEN_STAGES) == list(rule.stages)


def outbox_row(role: str, **values: Any) -> NotificationRow:
    fields: dict[str, Any] = {
        "key": row_key(role),
        "message_id": f"5001:{ARMED_OBLIGATION}:{DEADLINE}:escalation-1",
        "municipality_number": "5001",
        "municipality_name": "Trondheim",
        "obligation_id": ARMED_OBLIGATION,
        "obligation_label": "Sign the call-off agreement",
        "kind": "escalation",
        "message_key": "escalation-1",
        "deadline": DEADLINE,
        "due_at": INSTANT,
        "recipient_role": role,
        "subject": "s",
        "body": "b",
        "status": "sent",
        "created_at": INSTANT,
    }
    return NotificationRow(**(fields | values))


def reminders_tally(tmp_path: Path, copies: int, extra: str | None = None) -> tally.Tally:
    """Escalation-1 due for 5001 (two roles), sent; the relay got `copies` of the first."""
    engine = make_engine(f"sqlite:///{tmp_path / 'onboarding.db'}")
    create_schema(engine)
    roles = ["municipality_contact", "program_coordinator"]
    with Session(engine) as session:
        for role in roles + ([extra] if extra else []):
            session.add(outbox_row(role))
        session.commit()
    relay = Relay()
    for _ in range(copies):
        delivered(relay, row_key(roles[0]))
    delivered(relay, row_key(roles[1]))
    if extra:
        delivered(relay, row_key(extra))
    load = SimpleNamespace(rounds=[Armed(0, INSTANT, DEADLINE, due=["5001"])])
    result = tally.Tally()
    tally.reminders(result, engine, load, relay.received())  # type: ignore[arg-type]
    engine.dispose()
    return result


def test_the_tally_holds_for_each_reminder_sent_once(tmp_path: Path) -> None:
    result = reminders_tally(tmp_path, copies=1)
    assert result.broken == []
    assert result.figures["reminder messages due"] == 2
    assert result.figures["messages at the relay"] == 2


def test_the_tally_breaks_on_a_copy_at_the_relay(tmp_path: Path) -> None:
    result = reminders_tally(tmp_path, copies=2)
    assert result.broken == ["sent twice (the relay got a copy): 1"]


def test_the_tally_breaks_on_a_message_nobody_was_due(tmp_path: Path) -> None:
    result = reminders_tally(tmp_path, copies=1, extra="municipal_director")
    assert result.broken == ["outbox rows twice or not due: 1"]
