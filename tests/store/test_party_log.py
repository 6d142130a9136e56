"""`party_log`, kept by the database's triggers, equals the logs counted, on SQLite and PostgreSQL.

Whatever inserts into the logs (one row or many per statement, seqs in any
order, corrections), each party's row holds its events and corrections
counted and the seq and effective date of its highest-seq event; and the
version of the log the dashboard keeps reports under changes with each.
"""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text

from onboarding.store import log_changes, report_cache
from onboarding.store.tables.parties import AuditEventRow, CorrectionRow, PartyLogRow

AUDIT = AuditEventRow.__table__  # type: ignore[attr-defined]
CORRECTION = CorrectionRow.__table__  # type: ignore[attr-defined]
PARTY_LOG = PartyLogRow.__table__  # type: ignore[attr-defined]
START = date(2020, 1, 1)
RECORDED = datetime(2026, 1, 1, tzinfo=UTC)
ACTOR = {"actor_id": "u-1", "actor_name": "Kari", "actor_role": "coordinator"}


def event(number: str, seq: int, effective_on: date) -> dict[str, Any]:
    return {
        "municipality_number": number,
        "seq": seq,
        "trigger": "pause",
        "from_stage": "preparing",
        "to_stage": "paused",
        "evidence": {},
        "effective_on": effective_on,
        "recorded_at": RECORDED,
        "workflow_id": f"municipality-{number}",
        "run_id": "run-1",
        **ACTOR,
    }


def correction(number: str, seq: int, event_id: int) -> dict[str, Any]:
    return {
        "municipality_number": number,
        "seq": seq,
        "kind": "void",
        "event_id": event_id,
        "target_seq": 1,
        "trigger": "pause",
        "effective_on_before": START,
        "evidence_before": {},
        "stage_before": "paused",
        "stage_after": "preparing",
        "reason": "recorded by mistake",
        "recorded_at": RECORDED,
        "workflow_id": f"municipality-{number}",
        "run_id": "run-1",
        **ACTOR,
    }


def counted(engine: Engine) -> dict[str, tuple[int, int, int, date | None]]:
    """Each party's row as the logs say it should be, counted in Python."""
    with engine.connect() as connection:
        events = connection.execute(
            select(AUDIT.c.municipality_number, AUDIT.c.seq, AUDIT.c.effective_on)
        ).all()
        corrections = connection.execute(select(CORRECTION.c.municipality_number)).scalars()
        expected: dict[str, tuple[int, int, int, date | None]] = {}
        for number, seq, effective_on in sorted(events, key=lambda e: e[1]):
            count, _fixes, _seq, _on = expected.get(number, (0, 0, 0, None))
            expected[number] = (count + 1, 0, seq, effective_on)
        for number in corrections:
            count, fixes, seq, on = expected.get(number, (0, 0, 0, None))
            expected[number] = (count, fixes + 1, seq, on)
    return expected


def kept(engine: Engine) -> dict[str, tuple[int, int, int, date | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(PARTY_LOG)).all()
    return {number: (events, fixes, seq, on) for number, events, fixes, seq, on in rows}


def test_party_log_equals_the_logs_counted(sql_engine: Engine) -> None:
    rng = random.Random(23)
    numbers = [f"{n:04d}" for n in range(1, 7)]
    seqs = {number: rng.sample(range(1, 60), 40) for number in numbers}
    assert kept(sql_engine) == {}
    for _round in range(12):
        batch = []
        for number in rng.sample(numbers, rng.randint(1, 3)):
            for _ in range(rng.randint(1, 3)):
                seq = seqs[number].pop()
                batch.append(event(number, seq, START + timedelta(days=rng.randint(0, 900))))
        before = report_cache.version(sql_engine), log_changes.mark(sql_engine)
        with sql_engine.begin() as connection:
            # One statement of many rows, or one statement each: both kinds of insert.
            if rng.random() < 0.5:
                connection.execute(insert(AUDIT), batch)
            else:
                for row in batch:
                    connection.execute(insert(AUDIT).values(row))
            ids = connection.execute(select(AUDIT.c.id, AUDIT.c.municipality_number)).all()
            event_id, number = rng.choice(ids)
            connection.execute(
                insert(CORRECTION).values(correction(number, seqs[number].pop(), event_id))
            )
        assert kept(sql_engine) == counted(sql_engine)
        assert report_cache.version(sql_engine) != before[0]
        assert log_changes.mark(sql_engine) != before[1]
    with sql_engine.connect() as connection:
        events = connection.execute(text("SELECT COUNT(*) FROM audit_event")).scalar_one()
        fixes = connection.execute(text("SELECT COUNT(*) FROM correction")).scalar_one()
    mark = log_changes.mark(sql_engine)
    assert (mark.events, mark.corrections) == (events, fixes) and events > 12


def test_a_rolled_back_insert_is_not_counted(sql_engine: Engine) -> None:
    with sql_engine.begin() as connection:
        connection.execute(insert(AUDIT).values(event("0001", 1, START)))
    connection = sql_engine.connect()
    transaction = connection.begin()
    connection.execute(insert(AUDIT).values(event("0001", 2, START + timedelta(days=1))))
    transaction.rollback()
    connection.close()
    assert kept(sql_engine) == {"0001": (1, 0, 1, START)} == counted(sql_engine)
