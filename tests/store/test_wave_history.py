"""Wave events and checklist completions in the audit log and timeline (SQLite, PostgreSQL).

Written through the projection functions the activities use: wave `spring`
is moved twice, gains and loses members and goes live; `autumn` takes a
member moved out of it. A municipality's timeline must show the wave's
changes while it was a member, not before it joined or after it left.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import ChecklistCompletion
from onboarding.domain.waves.models import (
    ChecklistProjection,
    WaveEvent,
    WaveEventKind,
    WaveInfo,
    WaveProjection,
)
from onboarding.history.entries import AuditFilters
from onboarding.history.log import audit_page, audit_stream, known_kinds, timeline
from onboarding.store import waves as wave_store

KARI = Actor(id="token:1", name="Kari Nordmann", role="coordinator")
PER = Actor(id="token:2", name="Per Hansen", role="admin")
SPRING_SYSTEM = Actor(id="wave:spring", name="wave spring", role="system")
START = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
PLANNED = datetime(2024, 4, 13, 6, 0, tzinfo=UTC)
MOVED = datetime(2024, 4, 20, 6, 0, tzinfo=UTC)
WENT_LIVE = datetime(2024, 4, 27, 4, 0, tzinfo=UTC)  # 06:00 in Oslo
LIVE_ON = date(2024, 4, 27)


def _event(
    seq: int,
    kind: WaveEventKind,
    *,
    number: str | None = None,
    actor: Actor = KARI,
    go_live_at: datetime = PLANNED,
    recorded_at: datetime | None = None,
    **fields: object,
) -> WaveEvent:
    return WaveEvent(
        seq=seq,
        kind=kind,
        number=number,
        go_live_at=go_live_at,
        actor=actor,
        recorded_at=recorded_at or START + timedelta(days=seq),
        workflow_id="wave-x",
        run_id="run-1",
        **fields,
    )


SPRING = [
    _event(1, "created"),
    _event(2, "member_added", number="7001"),
    _event(3, "member_added", number="7002"),
    _event(4, "rescheduled", go_live_at=MOVED, previous_go_live_at=PLANNED, reason="late"),
    _event(5, "member_added", number="7003", go_live_at=MOVED),
    _event(6, "member_moved_out", number="7002", other_wave="autumn", go_live_at=MOVED),
    _event(7, "rescheduled", go_live_at=WENT_LIVE, previous_go_live_at=MOVED, reason="again"),
    _event(8, "decision", actor=PER, go_live_at=WENT_LIVE, evidence={"decision": "approve"}),
    _event(
        9,
        "member_went_live",
        number="7001",
        actor=SPRING_SYSTEM,
        go_live_at=WENT_LIVE,
        effective_on=LIVE_ON,
    ),
    _event(10, "member_missed_go_live", number="7003", actor=SPRING_SYSTEM, go_live_at=WENT_LIVE),
    _event(11, "went_live", actor=SPRING_SYSTEM, go_live_at=WENT_LIVE, effective_on=LIVE_ON),
]
AUTUMN = [
    _event(1, "created", go_live_at=WENT_LIVE + timedelta(days=180)),
    _event(
        2,
        "member_moved_in",
        number="7002",
        other_wave="spring",
        reason="not ready",
        recorded_at=START + timedelta(days=6, minutes=1),  # the moved_out above, then this
    ),
]


def _place(number: str) -> Municipality:
    return Municipality(number=number, name=f"By {number}", county="Trøndelag", health_trust="HF")


def _write(engine: Engine) -> None:
    for wave_id, events in (("spring", SPRING), ("autumn", AUTUMN)):
        info = WaveInfo(
            id=wave_id,
            name=wave_id.title(),
            health_trust=None,
            go_live_at=events[-1].go_live_at or PLANNED,
            created_by=KARI,
            created_at=START,
        )
        for event in events:  # one activity per change, as the workflow records them
            wave_store.record_wave(engine, WaveProjection(wave=info, members=[], events=[event]))
    for day, item in enumerate(("technical_infrastructure", "integrations_tested"), 1):
        wave_store.record_checklist(
            engine,
            ChecklistProjection(
                municipality=_place("7001"),
                completion=ChecklistCompletion(
                    item=item,
                    done_on=date(2023, 12, day),  # backdated
                    evidence={"document_ref": f"{item}-ok"},
                    actor=KARI,
                    recorded_at=START + timedelta(days=2, hours=day),
                ),
                obligations=[],
            ),
        )


def _waves(entries: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(e.wave, e.kind, e.details["seq"]) for e in entries if e.kind.startswith("wave_")]


def test_a_timeline_shows_its_wave_changes_while_a_member(sql_engine: Engine) -> None:
    _write(sql_engine)
    stayed = timeline(sql_engine, number="7001")
    assert _waves(stayed) == [
        ("spring", "wave_member_added", 2),
        ("spring", "wave_rescheduled", 4),
        ("spring", "wave_rescheduled", 7),
        ("spring", "wave_decision", 8),
        ("spring", "wave_member_went_live", 9),
        ("spring", "wave_went_live", 11),
    ]
    went = next(e for e in stayed if e.kind == "wave_member_went_live")
    assert (went.effective_on, went.actor.id) == (LIVE_ON, "wave:spring")
    moved = next(e for e in stayed if e.kind == "wave_rescheduled")
    assert moved.comment == "late"
    assert moved.details["previous_go_live_at"] == "2024-04-13T08:00:00+02:00"
    assert moved.details["go_live_at"] == "2024-04-20T08:00:00+02:00"
    # Left for autumn: spring's later moves are not its history any more.
    assert _waves(timeline(sql_engine, number="7002")) == [
        ("spring", "wave_member_added", 3),
        ("spring", "wave_rescheduled", 4),
        ("spring", "wave_member_moved_out", 6),
        ("autumn", "wave_member_moved_in", 2),
    ]
    # Joined after the first move: that move is not its history.
    assert _waves(timeline(sql_engine, number="7003")) == [
        ("spring", "wave_member_added", 5),
        ("spring", "wave_rescheduled", 7),
        ("spring", "wave_decision", 8),
        ("spring", "wave_member_missed_go_live", 10),
        ("spring", "wave_went_live", 11),
    ]


def test_checklist_items_are_in_the_timeline_on_the_day_they_were_done(
    sql_engine: Engine,
) -> None:
    _write(sql_engine)
    entries = timeline(sql_engine, number="7001")
    done = [e for e in entries if e.kind == "checklist_completion"]
    assert [(e.details["item"], e.effective_on) for e in done] == [
        ("technical_infrastructure", date(2023, 12, 1)),
        ("integrations_tested", date(2023, 12, 2)),
    ]
    assert entries[:2] == done  # backdated: before the wave's events
    assert done[0].evidence == {"document_ref": "technical_infrastructure-ok"}
    assert done[0].actor == KARI
    assert timeline(sql_engine, number="7002", kinds=frozenset({"checklist_completion"})) == []


def test_the_wave_filter_keeps_the_waves_events_only(sql_engine: Engine) -> None:
    _write(sql_engine)
    spring = audit_page(sql_engine, AuditFilters(wave="spring"), limit=100, newest_first=False)
    assert [e.details["seq"] for e in spring.items] == list(range(1, 12))
    assert {e.wave for e in spring.items} == {"spring"}
    autumn = audit_page(sql_engine, AuditFilters(wave="autumn"), limit=100).items
    assert [e.kind for e in autumn] == ["wave_member_moved_in", "wave_created"]
    assert audit_page(sql_engine, AuditFilters(wave="winter")).items == []
    streamed = [e.id for e in audit_stream(sql_engine, AuditFilters(wave="spring"), batch=4)]
    assert streamed == [e.id for e in spring.items]


def test_kind_actor_and_period_filters(sql_engine: Engine) -> None:
    _write(sql_engine)

    def kinds(**filters: object) -> list[str]:
        page = audit_page(sql_engine, AuditFilters(**filters), limit=100, newest_first=False)  # type: ignore[arg-type]
        return [e.kind for e in page.items]

    assert kinds(kinds=frozenset({"wave_rescheduled"})) == ["wave_rescheduled"] * 2
    assert kinds(kinds=frozenset({"checklist_completion"})) == ["checklist_completion"] * 2
    assert kinds(actor="per hansen") == ["wave_decision"]
    assert kinds(actor="wave:spring") == [
        "wave_member_went_live",
        "wave_member_missed_go_live",
        "wave_went_live",
    ]
    # Effective on the go-live date, not the day it was recorded.
    assert kinds(effective_from=LIVE_ON) == ["wave_member_went_live", "wave_went_live"]
    # Recorded on 2024-01-12: spring's member_added 7002 and both checklist items.
    assert sorted(kinds(recorded_from=date(2024, 1, 12), recorded_to=date(2024, 1, 12))) == [
        "checklist_completion",
        "checklist_completion",
    ] + ["wave_member_added"]
    assert {"wave_created", "wave_member_went_live", "checklist_completion"} <= set(known_kinds())
