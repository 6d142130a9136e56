"""The count at the end: what was acknowledged against what was recorded and sent.

Invariants (the run fails if one breaks):
- every acknowledged transition is in the audit log exactly once, in the
  order it was acknowledged, numbered 1, 2, ... per municipality, and nothing
  else is there; each current-state row agrees with its log;
- every acknowledged deadline is in `deadline_change` exactly once; no wave
  event and no checklist item is recorded twice, and every member of a wave
  gone live is recorded live;
- every reminder due (escalation-1 pending at an armed instant) has exactly
  one outbox row per recipient, `sent`, and the relay got it exactly once;
  no outbox row beyond those, and no message at the relay beyond those;
- no workflow failed, was terminated or timed out;
- `onboarding reconcile` leaves nothing unrepaired.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client

from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tables.obligations import DeadlineChangeRow
from onboarding.store.tables.parties import AuditEventRow, MunicipalityRow
from onboarding.store.tables.waves import ChecklistCompletionRow, WaveEventRow
from tools.endurance.load import ARMED_OBLIGATION, ESCALATION_1_ROLES, Load
from tools.endurance.rig import SENDER


@dataclass
class Tally:
    """Figures (name -> value) and the invariants that broke."""

    figures: dict[str, Any] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)

    def check(self, name: str, value: int, *, detail: object = None) -> None:
        """An invariant figure: must be 0."""
        self.figures[name] = value
        if value:
            self.broken.append(f"{name}: {value}" + (f" ({detail})" if detail else ""))

    def render(self) -> str:
        width = max(len(name) for name in self.figures)
        lines = [f"{name:<{width}}  {value}" for name, value in self.figures.items()]
        verdict = "every invariant held" if not self.broken else "BROKEN: " + "; ".join(self.broken)
        return "\n".join([*lines, "", verdict])


def message_id(key: str) -> str:
    """The Message-ID onboarding.mail gives the row with `key`."""
    domain = SENDER.rpartition("@")[2]
    return f"<onboarding.{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}@{domain}>"


def transitions(tally: Tally, engine: Engine, load: Load) -> None:
    with Session(engine) as session:
        events = session.exec(select(AuditEventRow)).all()
        rows = {row.number: row for row in session.exec(select(MunicipalityRow)).all()}
    by_number: dict[str, list[AuditEventRow]] = {}
    for event in sorted(events, key=lambda e: (e.municipality_number, e.seq)):
        by_number.setdefault(event.municipality_number, []).append(event)
    acked = Counter((n, t) for n, lane in load.lanes.items() for t in lane.accepted)
    recorded = Counter((e.municipality_number, e.trigger) for e in events)
    tally.figures["transitions acknowledged"] = sum(acked.values())
    tally.figures["transitions in the audit log"] = len(events)
    tally.check("acknowledged, not in the audit log", sum((acked - recorded).values()))
    tally.check("in the audit log twice or never acknowledged", sum((recorded - acked).values()))
    keys = Counter(e.idempotency_key for e in events if e.idempotency_key)
    tally.check("idempotency keys recorded twice", sum(1 for c in keys.values() if c > 1))
    out_of_order = [
        n
        for n, lane in load.lanes.items()
        if [e.trigger for e in by_number.get(n, [])] != lane.accepted
        or [e.seq for e in by_number.get(n, [])] != list(range(1, len(lane.accepted) + 1))
    ]
    tally.check("municipalities whose log differs from what was acknowledged", len(out_of_order))
    disagree = [
        n
        for n, history in by_number.items()
        if n not in rows
        or rows[n].last_seq != len(history)
        or rows[n].stage != history[-1].to_stage
    ]
    tally.check("current-state rows disagreeing with the log", len(disagree), detail=disagree[:5])
    tally.figures["municipalities live"] = sum(1 for row in rows.values() if row.stage == "live")


def deadlines(tally: Tally, engine: Engine, load: Load) -> None:
    with Session(engine) as session:
        changes = session.exec(
            select(DeadlineChangeRow).where(DeadlineChangeRow.obligation_id == ARMED_OBLIGATION)
        ).all()
    recorded = Counter((c.municipality_number, c.deadline_after) for c in changes)
    acked = Counter(load.deadlines_set)
    tally.figures["deadlines acknowledged"] = sum(acked.values())
    tally.check("deadlines acknowledged, not recorded", sum((acked - recorded).values()))
    tally.check("deadlines recorded twice or never acknowledged", sum((recorded - acked).values()))


def waves(tally: Tally, engine: Engine, load: Load) -> None:
    """No wave event and no checklist item twice; every member of a wave gone live went live."""
    with Session(engine) as session:
        events = session.exec(select(WaveEventRow)).all()
        done = session.exec(select(ChecklistCompletionRow)).all()
    recorded = Counter((e.wave_id, e.kind, e.number) for e in events)
    tally.figures["waves live"] = sum(1 for wave in load.waves if wave.live)
    tally.check("wave events recorded twice", sum(c - 1 for c in recorded.values() if c > 1))
    missing = [
        (wave.id, number)
        for wave in load.waves
        for number in wave.live
        if (wave.id, "member_went_live", number) not in recorded
    ]
    tally.check("members of a live wave not recorded live", len(missing), detail=missing[:3])
    items = Counter((c.municipality_number, c.item) for c in done)
    tally.figures["checklist items done"] = len(done)
    tally.check("checklist items recorded twice", sum(c - 1 for c in items.values() if c > 1))


def reminders(tally: Tally, engine: Engine, load: Load, received: list[str]) -> None:
    with Session(engine) as session:
        outbox = session.exec(select(NotificationRow)).all()
    due = Counter(
        (number, ARMED_OBLIGATION, armed.deadline, "escalation-1", role)
        for armed in load.rounds
        for number in armed.due
        for role in ESCALATION_1_ROLES
    )
    rows = Counter(
        (r.municipality_number, r.obligation_id, r.deadline, r.message_key, r.recipient_role)
        for r in outbox
    )
    at_relay = Counter(received)
    tally.figures["reminder rounds"] = len(load.rounds)
    tally.figures["reminders armed too late (passed over, not due)"] = sum(
        len(a.late) for a in load.rounds
    )
    tally.figures["reminder messages due"] = sum(due.values())
    tally.figures["outbox rows"] = len(outbox)
    tally.figures["messages at the relay"] = len(received)
    tally.check("due, no outbox row", sum((due - rows).values()))
    tally.check("outbox rows twice or not due", sum((rows - due).values()))
    unsent = [r.key for r in outbox if r.status != "sent"]
    tally.check("outbox rows not sent", len(unsent), detail=unsent[:3])
    wanted = {message_id(r.key) for r in outbox}
    tally.check("due, never reached the relay", sum(1 for m in wanted if m not in at_relay))
    tally.check("sent twice (the relay got a copy)", sum(c - 1 for c in at_relay.values() if c > 1))
    tally.check("at the relay, no outbox row", sum(1 for m in at_relay if m not in wanted))
    waits = [a.seconds_to_sent for a in load.rounds if a.seconds_to_sent is not None]
    if waits:
        tally.figures["reminder sent, seconds after due (max)"] = round(max(waits), 1)


async def workflows(tally: Tally, client: Client) -> None:
    counts: Counter[str] = Counter()
    async for execution in client.list_workflows():
        status = execution.status.name if execution.status is not None else "UNKNOWN"
        counts[status] += 1
    tally.figures["workflows by status"] = dict(sorted(counts.items()))
    bad = sum(counts[s] for s in ("FAILED", "TERMINATED", "TIMED_OUT", "CANCELED"))
    tally.check("workflows failed, terminated, timed out or cancelled", bad)
