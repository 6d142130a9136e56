"""The wave tables on SQLite and PostgreSQL: idempotent writes, append-only history, blockers."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from onboarding.domain.actor import Actor
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.models import ObligationView
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import ChecklistCompletion, RegistrationInput
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.models import (
    ChecklistProjection,
    MemberStatus,
    WaveEvent,
    WaveEventKind,
    WaveInfo,
    WaveMember,
    WaveProjection,
    WaveStatus,
)
from onboarding.store import projection
from onboarding.store import waves as store
from tests.helpers.parties import fresh_org_number
from tests.helpers.store import projected, register

ACTOR = Actor(id="u-1", name="Kari Nordmann", role="coordinator")
SYSTEM = Actor(id="wave:w", name="wave W", role="system")
SUMMER = timezone(timedelta(hours=2))
GO_LIVE = datetime(2031, 4, 25, 22, tzinfo=SUMMER)
T0 = datetime(2030, 1, 2, 9, tzinfo=UTC)
ITEMS = [i.value for i in ChecklistItemId]


def info(
    wave_id: str = "w", status: WaveStatus = WaveStatus.PLANNED, at: datetime = GO_LIVE
) -> WaveInfo:
    return WaveInfo(
        id=wave_id,
        name="Wave",
        health_trust=None,
        go_live_at=at,
        status=status,
        created_by=ACTOR,
        created_at=T0,
    )


def event(seq: int, kind: WaveEventKind, number: str | None = None, **more: object) -> WaveEvent:
    return WaveEvent(
        seq=seq, kind=kind, number=number, go_live_at=GO_LIVE, actor=ACTOR,
        recorded_at=T0 + timedelta(minutes=seq), workflow_id="wave-w", run_id="r", **more,  # type: ignore[arg-type]
    )  # fmt: skip


def member(number: str, status: MemberStatus = MemberStatus.MEMBER) -> WaveMember:
    return WaveMember(number=number, name=f"Testby {number}", seq=1, status=status, joined_at=T0)


def test_waves_are_recorded_once_and_shown_in_their_own_offset(sql_engine: Engine) -> None:
    created = WaveProjection(wave=info(), members=[], events=[event(1, "created")])
    store.record_wave(sql_engine, created)
    store.record_wave(sql_engine, created)  # a retried activity
    added = WaveProjection(
        wave=info(), members=[member("8801")], events=[event(2, "member_added", "8801")]
    )
    store.record_wave(sql_engine, added)
    store.record_wave(sql_engine, created)  # an old state arriving late changes nothing
    [summary] = store.list_waves(sql_engine)
    assert (summary.go_live_at, summary.go_live_at.utcoffset(), summary.members) == (
        GO_LIVE,
        timedelta(hours=2),
        1,
    )
    assert [e.kind for e in store.wave_events(sql_engine, wave_id="w")] == [
        "created",
        "member_added",
    ]
    assert [e.kind for e in store.wave_events(sql_engine, number="8801")] == ["member_added"]


def test_members_follow_the_latest_state(sql_engine: Engine) -> None:
    store.record_wave(
        sql_engine,
        WaveProjection(
            wave=info(), members=[member("8802"), member("8803")], events=[event(1, "created")]
        ),
    )
    store.record_wave(
        sql_engine,
        WaveProjection(
            wave=info(status=WaveStatus.LIVE),
            members=[member("8803", MemberStatus.MISSED_GO_LIVE)],
            events=[event(2, "member_moved_out", "8802", other_wave="v"), event(3, "went_live")],
        ),
    )
    assert [(m.number, m.status) for m in store.wave_members(sql_engine, wave_id="w")] == [
        ("8803", MemberStatus.MISSED_GO_LIVE)
    ]
    assert store.list_waves(sql_engine)[0].status is WaveStatus.LIVE
    # The region table's wave column: the one wave each municipality is in now.
    assert store.wave_names_by_member(sql_engine) == {"8803": "Wave"}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wave_event SET reason = 'rewritten'",
        "DELETE FROM wave_event",
        "UPDATE checklist_completion SET done_on = '2020-01-01'",
        "DELETE FROM checklist_completion",
    ],
)
def test_wave_history_and_checklist_completions_are_append_only(
    sql_engine: Engine, statement: str
) -> None:
    store.record_wave(
        sql_engine,
        WaveProjection(wave=info(), members=[], events=[event(1, "created", reason="plan")]),
    )
    register(sql_engine, "8804")
    completion(sql_engine, "8804", "technical_infrastructure", date(2031, 1, 2))
    with pytest.raises(DBAPIError, match="append-only"):
        with sql_engine.begin() as connection:
            connection.execute(text(statement))
    assert store.wave_events(sql_engine, wave_id="w")[0].reason == "plan"
    assert [c.done_on for c in store.checklist_completions(sql_engine, number="8804")] == [
        date(2031, 1, 2)
    ]


def completion(
    engine: Engine, number: str, item: str, done_on: date, *, open_items: list[str] | None = None
) -> None:
    views = [
        ObligationView(
            id=i,
            label=i,
            status=ObligationStatus.FULFILLED if i == item else ObligationStatus.OPEN,
            deadline=date(2031, 1, 1),
            effective_deadline=date(2030, 12, 31),
            opened_on=date(2030, 1, 1),
            closed_on=done_on if i == item else None,
            escalation_level=0,
            pending=[],
        )
        for i in [item, *(open_items or [])]
    ]
    done = ChecklistCompletion(
        item=item, done_on=done_on, evidence={"document_ref": "x"}, actor=ACTOR, recorded_at=T0
    )
    municipality = Municipality(
        number=number, name=f"Testby {number}", county="Trøndelag", health_trust="St. Olavs HF"
    )
    projection_input = ChecklistProjection(
        municipality=municipality, completion=done, obligations=views
    )
    store.record_checklist(engine, projection_input)
    store.record_checklist(engine, projection_input)  # a retry appends nothing


def test_blockers_name_what_is_missing_and_overdue(sql_engine: Engine) -> None:
    register(sql_engine, "8805")
    projection.record_transition(
        sql_engine,
        projected(
            "8805",
            1,
            Trigger.SIGN_COLLABORATION,
            Stage.PROSPECTIVE,
            Stage.COLLABORATION_SIGNED,
            date(2030, 1, 1),
        ),
    )
    projection.record_transition(
        sql_engine,
        projected(
            "8805",
            2,
            Trigger.EXERCISE_OPTION,
            Stage.COLLABORATION_SIGNED,
            Stage.OPTION_EXERCISED,
            date(2030, 2, 1),
        ),
    )
    completion(
        sql_engine,
        "8805",
        "technical_infrastructure",
        date(2030, 12, 1),
        open_items=["integrations_tested"],
    )
    store.record_wave(
        sql_engine,
        WaveProjection(wave=info(), members=[member("8805")], events=[event(1, "created")]),
    )
    [wave] = store.blockers_of(sql_engine, wave_ids=["w"], checklist=ITEMS, as_of=date(2031, 1, 11))
    assert wave.members_by_stage == {"option_exercised": 1}
    [row] = wave.members
    assert (row.checklist_done, row.checklist_total) == (1, 6)
    assert row.missing[:2] == [
        "service agreement not signed",
        "checklist item integrations_tested not done",
    ]
    # Deadline Wed 2031-01-01 (New Year's Day: effective Tue 2030-12-31), 11 days before.
    assert [(o.id, o.days_overdue) for o in row.overdue] == [("integrations_tested", 11)]
    assert (
        store.blockers_of(sql_engine, wave_ids=["nope"], checklist=ITEMS, as_of=date(2031, 1, 11))
        == []
    )


def test_a_gp_office_waits_for_its_municipality_outside_the_wave(sql_engine: Engine) -> None:
    register(sql_engine, "8806")
    org = fresh_org_number()
    office = Party(
        number=f"gp-{org}",
        org_number=org,
        name="Legekontor",
        county="Trøndelag",
        health_trust="St. Olavs HF",
        kind=PartyKind.GP_OFFICE,
        municipality_number="8806",
    )
    projection.register_municipality(
        sql_engine,
        RegistrationInput(municipality=office, workflow_id=f"party-gp-{org}", run_id="run-0"),
    )
    store.record_wave(
        sql_engine,
        WaveProjection(wave=info(), members=[member(f"gp-{org}")], events=[event(1, "created")]),
    )
    [wave] = store.blockers_of(sql_engine, wave_ids=["w"], checklist=ITEMS, as_of=date(2031, 1, 11))
    [row] = wave.members
    # Its home's stage is read though the home is in no wave.
    assert "municipality 8806 is not ready for go-live (prospective)" in row.missing
