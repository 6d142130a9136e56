"""The audit log's SQL on SQLite and PostgreSQL: merge of sources, paging, streaming, filters.

Transitions and a correction are written through the projection functions the
activities use; the stream (a server-side cursor on PostgreSQL, in batches)
must give exactly the pages' entries, in the same order.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.correction_records import (
    CorrectionKind,
    CorrectionProjection,
    CorrectionRecord,
)
from onboarding.domain.parties.models import ProjectionInput, TransitionRecord
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page, audit_stream, timeline
from onboarding.store import projection
from onboarding.store.tables.parties import AuditEventRow

KARI = Actor(id="token:1", name="Kari Nordmann", role="coordinator")
PER = Actor(id="token:2", name="Per Hansen", role="admin")
START = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def _place(number: str) -> Municipality:
    return Municipality(number=number, name=f"By {number}", county="Trøndelag", health_trust="HF")


def _write(engine: Engine) -> None:
    road = [
        (Trigger.SIGN_COLLABORATION, Stage.PROSPECTIVE, Stage.COLLABORATION_SIGNED),
        (Trigger.EXERCISE_OPTION, Stage.COLLABORATION_SIGNED, Stage.OPTION_EXERCISED),
        (Trigger.START_PREPARATION, Stage.OPTION_EXERCISED, Stage.PREPARING),
    ]
    for n, number in enumerate(("7001", "7002")):
        for seq, (trigger, before, after) in enumerate(road, 1):
            _transition(
                engine,
                number,
                seq,
                (trigger, before, after),
                effective_on=date(2021, seq, 1),
                actor=KARI if seq < 3 else PER,
                recorded_at=START + timedelta(days=seq, hours=n),
            )
    with Session(engine) as session:
        event_id = session.exec(
            select(AuditEventRow.id).where(
                AuditEventRow.municipality_number == "7001", AuditEventRow.seq == 3
            )
        ).one()
    projection.record_correction(
        engine,
        CorrectionProjection(
            municipality=_place("7001"),
            record=CorrectionRecord(
                seq=4,
                kind=CorrectionKind.VOID,
                event_id=event_id,
                target_seq=3,
                trigger=Trigger.START_PREPARATION,
                effective_on_before=date(2021, 3, 1),
                effective_on_after=None,
                evidence_before={},
                evidence_after=None,
                stage_before=Stage.PREPARING,
                stage_after=Stage.OPTION_EXERCISED,
                reason="not yet",
                actor=PER,
                recorded_at=START + timedelta(days=10),
                idempotency_key=None,
                workflow_id="municipality-7001",
                run_id="run-1",
            ),
            stage=Stage.OPTION_EXERCISED,
            paused_from=None,
        ),
    )


def test_stream_equals_the_pages_in_order(sql_engine: Engine) -> None:
    _write(sql_engine)
    streamed = [e.id for e in audit_stream(sql_engine, AuditFilters(), batch=2)]
    paged = []
    offset: int | None = 0
    while offset is not None:
        page = audit_page(sql_engine, AuditFilters(), limit=3, offset=offset, newest_first=False)
        paged.extend(e.id for e in page.items)
        offset = page.next_offset
    assert streamed == paged
    assert len(streamed) == 7 and streamed[-1].startswith("correction:")
    newest = audit_page(sql_engine, AuditFilters(), limit=1).items[0]
    assert newest.kind == "correction" and newest.comment == "not yet"


def test_filters_by_actor_kind_municipality_and_period(sql_engine: Engine) -> None:
    _write(sql_engine)

    def ids(**filters: object) -> list[str]:
        page = audit_page(sql_engine, AuditFilters(**filters), limit=100)  # type: ignore[arg-type]
        return [e.id for e in page.items]

    assert len(ids(actor="per hansen")) == 3  # two transitions, one correction
    assert len(ids(actor="token:1")) == 4
    assert len(ids(kinds=frozenset({"correction"}))) == 1
    assert len(ids(municipality="7002")) == 3
    assert len(ids(recorded_from=date(2024, 1, 12), recorded_to=date(2024, 1, 12))) == 2
    assert ids(wave="2024-04") == []
    entries = timeline(sql_engine, number="7001", effective_from=date(2021, 2, 1))
    assert [e.kind for e in entries] == ["transition", "transition", "correction"]
    assert entries[1].details["corrected_by"] == [entries[2].id]


def _write_ties(engine: Engine) -> None:
    """Two transitions recorded at the very instant of the correction: ties within a
    source and across sources, broken by source, then id."""
    tie = START + timedelta(days=10)
    for number, seq, before in (("7001", 5, Stage.OPTION_EXERCISED), ("7002", 4, Stage.PREPARING)):
        step = (Trigger.PAUSE, before, Stage.PAUSED)
        _transition(
            engine, number, seq, step, effective_on=date(2021, 6, 1), actor=PER, recorded_at=tie
        )


def _transition(
    engine: Engine,
    number: str,
    seq: int,
    step: tuple[Trigger, Stage, Stage],
    *,
    effective_on: date,
    actor: Actor,
    recorded_at: datetime,
) -> None:
    trigger, before, after = step
    record = TransitionRecord(
        seq=seq,
        trigger=trigger,
        from_stage=before,
        to_stage=after,
        effective_on=effective_on,
        evidence={},
        comment=None,
        actor=actor,
        recorded_at=recorded_at,
        idempotency_key=None,
        workflow_id=f"municipality-{number}",
        run_id="run-1",
    )
    projection.record_transition(
        engine,
        ProjectionInput(municipality=_place(number), record=record, stage=after, paused_from=None),
    )


def test_every_page_is_its_slice_of_the_whole_log(sql_engine: Engine) -> None:
    # A page merges only each source's first rows up to its end (history/log.py):
    # every page, either way round and filtered, must still be exactly its slice of
    # the log, ties of recording time included.
    _write(sql_engine)
    _write_ties(sql_engine)
    for filters in (
        AuditFilters(),
        AuditFilters(actor="per hansen"),
        AuditFilters(kinds=frozenset({"transition"})),
        AuditFilters(municipality="7001"),
    ):
        oldest_first = [e.id for e in audit_stream(sql_engine, filters, batch=100)]
        assert oldest_first
        for newest_first in (False, True):
            log = list(reversed(oldest_first)) if newest_first else oldest_first
            for limit in (1, 2, 3, 5):
                for offset in range(len(log) + 1):
                    page = audit_page(
                        sql_engine, filters, limit=limit, offset=offset, newest_first=newest_first
                    )
                    assert [e.id for e in page.items] == log[offset : offset + limit]
                    more = offset + limit < len(log)
                    assert page.next_offset == (offset + limit if more else None)
    # The tie: the correction, then the two transitions by id, oldest first.
    whole = [e.id for e in audit_stream(sql_engine, AuditFilters())]
    assert whole[-3].startswith("correction:")
    assert whole[-2:] == sorted(whole[-2:], key=lambda i: int(i.split(":")[1]))
