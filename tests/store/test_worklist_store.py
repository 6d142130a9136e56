"""The work list's queries on SQLite and PostgreSQL: what is listed, the filters, few queries."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, event, update
from sqlmodel import Session

from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.obligations.models import ObligationProjection, ObligationView
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import RegistrationInput
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.models import (
    MemberStatus,
    WaveEvent,
    WaveInfo,
    WaveMember,
    WaveProjection,
    WaveStatus,
)
from onboarding.domain.worklist import StuckReason, WorklistFilters, stuck_reason
from onboarding.store import outbox, projection
from onboarding.store import waves as wave_store
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.store.worklist import worklist
from tests.helpers.notifications import due_message
from tests.helpers.store import ACTOR, projected

TODAY = date(2030, 12, 2)  # a Monday
ITEMS = [i.value for i in ChecklistItemId]
GO_LIVE = datetime(2031, 3, 7, 21, tzinfo=UTC)


def party(number: str, trust: str = "St. Olavs HF") -> Party:
    if number.startswith("gp-"):
        return Party(
            number=number,
            name="Legesenteret",
            county="Trøndelag",
            health_trust=trust,
            kind=PartyKind.GP_OFFICE,
            org_number=number[3:],
            municipality_number="8701",
        )
    return Party(number=number, name=f"Testby {number}", county="Trøndelag", health_trust=trust)


PARTIES = {
    place.number: place
    for place in (
        party("8701"),
        party("8702"),
        party("8703", "Helse Nord-Trøndelag HF"),
        party("gp-923609016"),
    )
}


def register(engine: Engine, place: Party) -> None:
    projection.register_municipality(
        engine, RegistrationInput(municipality=place, workflow_id=f"w-{place.number}", run_id="r")
    )


def obligation(oid: str, deadline: date, effective: date | None = None) -> ObligationView:
    return ObligationView(
        id=oid,
        label=oid,
        status=ObligationStatus.OPEN,
        deadline=deadline,
        effective_deadline=effective or deadline,
        opened_on=date(2030, 1, 1),
        closed_on=None,
        escalation_level=0,
        pending=[],
    )


def region(engine: Engine) -> None:
    """8701 stale and overdue, blocking a wave; 8702 due soon, its row behind its log;
    8703 in Helse Nord-Trøndelag, due in half a year; a GP office due in 20 days, no contacts."""
    for place in PARTIES.values():
        register(engine, place)
    sign, option = Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION
    signed, prospective = Stage.COLLABORATION_SIGNED, Stage.PROSPECTIVE
    projection.record_transition(
        engine, projected("8701", 1, sign, prospective, signed, date(2030, 1, 10))
    )
    projection.record_transition(
        engine, projected("8702", 1, sign, prospective, signed, date(2030, 11, 1))
    )
    projection.record_transition(
        engine, projected("8702", 2, option, signed, Stage.OPTION_EXERCISED, date(2030, 11, 20))
    )
    # An outage: the audit event of 8702's second transition was written, its row was not.
    with Session(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(MunicipalityRow)
            .where(MunicipalityRow.number == "8702")  # type: ignore[arg-type]
            .values(last_seq=1, stage=signed.value)
        )
        session.commit()
    views = {
        "8701": [obligation("exercise_option", date(2030, 11, 23), date(2030, 11, 22))],
        "8702": [obligation("start_preparation", date(2030, 12, 12))],
        "8703": [obligation("exercise_option", date(2031, 6, 1))],
        "gp-923609016": [obligation("sign_agreement", date(2030, 12, 22))],
    }
    for number, found in views.items():
        projection.record_obligations(
            engine, ObligationProjection(municipality=PARTIES[number], obligations=found)
        )
    wave_store.record_wave(
        engine,
        WaveProjection(
            wave=WaveInfo(
                id="w1",
                name="Innherred",
                health_trust=None,
                go_live_at=GO_LIVE,
                status=WaveStatus.PLANNED,
                created_by=ACTOR,
                created_at=datetime(2030, 6, 1, tzinfo=UTC),
            ),
            members=[
                WaveMember(
                    number="8701",
                    name="Testby 8701",
                    seq=1,
                    status=MemberStatus.MEMBER,
                    joined_at=datetime(2030, 6, 1, tzinfo=UTC),
                )
            ],
            events=[
                WaveEvent(
                    seq=1,
                    kind="created",
                    go_live_at=GO_LIVE,
                    actor=ACTOR,
                    recorded_at=datetime(2030, 6, 1, tzinfo=UTC),
                    workflow_id="wave-w1",
                    run_id="r",
                )
            ],
        ),
    )
    outbox.enqueue(engine, due_message(party("gp-923609016")), base_url="https://x.test")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def note(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def listed(engine: Engine, **filters: object) -> dict[str, list[str]]:
    found = worklist(engine, filters=WorklistFilters(**filters), checklist=ITEMS, today=TODAY)  # type: ignore[arg-type]
    counts = found.counts
    parts = {
        "overdue": [f"{d.party.id}:{d.obligation_id}" for d in found.overdue],
        "due": [f"{d.party.id}:{d.obligation_id}" for d in found.due],
        "blocked": [f"{b.party.id}@{b.wave_id}" for b in found.blocked],
        "failed": sorted({f"{n.party.id}:{n.status}" for n in found.failed_notifications}),
        "stuck": [f"{s.party.id}:{s.reason.value}" for s in found.stuck],
    }
    assert [
        counts.overdue,
        counts.due,
        counts.blocked,
        counts.failed_notifications,
        counts.stuck,
    ] == [len(found.overdue), len(found.due), len(found.blocked)] + [
        len(found.failed_notifications),
        len(found.stuck),
    ]
    return parts


def test_the_work_list_and_its_filters(sql_engine: Engine) -> None:
    region(sql_engine)
    everything = listed(sql_engine, days=30)
    assert everything == {
        "overdue": ["8701:exercise_option"],
        "due": ["8702:start_preparation", "gp-923609016:sign_agreement"],
        "blocked": ["8701@w1"],
        "failed": ["gp-923609016:no_recipient"],
        "stuck": ["8702:row_behind", "8701:stale"],
    }
    found = worklist(sql_engine, filters=WorklistFilters(), checklist=ITEMS, today=TODAY)
    [late] = found.overdue
    # The deadline fell on a Saturday: it counts from the business day before it.
    assert (late.deadline, late.effective_deadline, late.days_left) == (
        date(2030, 11, 23),
        date(2030, 11, 22),
        -10,
    )
    [stale] = [s for s in found.stuck if s.reason is StuckReason.STALE]
    assert (stale.last_transition_on, stale.days_since) == (date(2030, 1, 10), 326)
    [behind] = [s for s in found.stuck if s.reason is StuckReason.ROW_BEHIND]
    assert (behind.row_seq, behind.log_seq) == (1, 2)
    [blocked] = found.blocked
    assert "service agreement not signed" in blocked.missing

    # The default window is 14 days: the GP office's deadline in 20 days is not due yet.
    assert listed(sql_engine)["due"] == ["8702:start_preparation"]
    assert listed(sql_engine, days=0)["due"] == []
    assert listed(sql_engine, kind=PartyKind.GP_OFFICE, days=30) == {
        "overdue": [],
        "due": ["gp-923609016:sign_agreement"],
        "blocked": [],
        "failed": ["gp-923609016:no_recipient"],
        "stuck": [],
    }
    assert listed(sql_engine, wave="w1") == {
        "overdue": ["8701:exercise_option"],
        "due": [],
        "blocked": ["8701@w1"],
        "failed": [],
        "stuck": ["8701:stale"],
    }
    assert listed(sql_engine, health_trust="Helse Nord-Trøndelag HF", days=366) == {
        "overdue": [],
        "due": ["8703:exercise_option"],
        "blocked": [],
        "failed": [],
        "stuck": [],
    }
    by_stage = listed(sql_engine, stage=Stage.COLLABORATION_SIGNED, days=30)
    assert (by_stage["overdue"], by_stage["due"]) == (
        ["8701:exercise_option"],
        ["8702:start_preparation"],
    )


def test_the_number_of_queries_does_not_grow_with_the_parties(sql_engine: Engine) -> None:
    region(sql_engine)
    with statements(sql_engine) as few:
        listed(sql_engine, days=30)
    stale_parties(sql_engine, 50)
    with statements(sql_engine) as many:
        assert len(listed(sql_engine, days=30)["stuck"]) == 52
    assert len(many) == len(few) <= 10, many


def stale_parties(engine: Engine, count: int) -> None:
    """`count` more parties, each signed in 2029 and not moved since."""
    for n in range(8710, 8710 + count):
        register(engine, party(str(n)))
        projection.record_transition(
            engine,
            projected(
                str(n),
                1,
                Trigger.SIGN_COLLABORATION,
                Stage.PROSPECTIVE,
                Stage.COLLABORATION_SIGNED,
                date(2029, 1, 1),
            ),
        )


def test_the_page_asks_for_the_first_rows_and_the_counts_stay_whole(sql_engine: Engine) -> None:
    region(sql_engine)
    stale_parties(sql_engine, 5)
    filters = WorklistFilters(days=30)
    whole = worklist(sql_engine, filters=filters, checklist=ITEMS, today=TODAY)
    cut = worklist(sql_engine, filters=filters, checklist=ITEMS, today=TODAY, limit=1)
    assert cut.counts == whole.counts
    assert (whole.counts.stuck, whole.counts.due) == (7, 2)
    assert cut.stuck == whole.stuck[:1] and cut.due == whole.due[:1]
    assert cut.overdue == whole.overdue and cut.blocked == whole.blocked


def test_a_municipality_a_reform_ended_long_ago_is_not_stuck() -> None:
    # The demo's history ends some thirty municipalities in 2018-2024: none is
    # anyone's work today. A row behind its log still is.
    long_ago = {"last_transition_on": date(2020, 1, 1), "today": TODAY}
    assert stuck_reason(stage=Stage.ENDED_BY_REFORM, row_seq=3, log_seq=3, **long_ago) is None
    assert stuck_reason(stage=Stage.PREPARING, row_seq=3, log_seq=3, **long_ago) is (
        StuckReason.STALE
    )
    assert stuck_reason(stage=Stage.ENDED_BY_REFORM, row_seq=2, log_seq=3, **long_ago) is (
        StuckReason.ROW_BEHIND
    )


def test_the_stuck_parties_found_in_sql_follow_the_rule_and_the_order(sql_engine: Engine) -> None:
    # (name, days since its only transition (None: never moved), stage of its row, row behind)
    cases = [
        ("Bjugn", 400, None, False),
        ("aure", 400, None, False),
        ("Ørland", 400, None, False),
        ("Åfjord", 400, None, False),
        ("Zeta", 400, None, False),
        ("Øksnes", 400, Stage.LIVE, False),  # resting: never stale
        ("Frøya", 180, None, False),  # stale on the day
        ("Hitra", 179, None, False),  # not yet
        ("Orkland", None, None, False),  # never moved: not started
        ("Rindal", 30, None, True),  # row behind, recent
        ("Selbu", 900, Stage.PAUSED, True),  # row behind whatever its stage
        ("Bjugn", 200, None, False),  # a name twice
    ]
    expected = []
    for index, (name, days, stage, behind) in enumerate(cases):
        number = str(9100 + index)
        register(sql_engine, Party(number=number, name=name, county="T", health_trust="H"))
        last_on = None if days is None else TODAY - timedelta(days=days)
        if last_on is not None:
            projection.record_transition(
                sql_engine,
                projected(
                    number,
                    1,
                    Trigger.SIGN_COLLABORATION,
                    Stage.PROSPECTIVE,
                    Stage.COLLABORATION_SIGNED,
                    last_on,
                ),
            )
        # The projection names the party as tests.helpers.store does: named here.
        values = {
            "name": name,
            **({"stage": stage.value} if stage else {}),
            **({"last_seq": 0} if behind else {}),
        }
        with Session(sql_engine) as session:
            session.exec(  # type: ignore[call-overload]
                update(MunicipalityRow)
                .where(MunicipalityRow.number == number)  # type: ignore[arg-type]
                .values(**values)
            )
            session.commit()
        row_stage = stage or (Stage.PROSPECTIVE if last_on is None else Stage.COLLABORATION_SIGNED)
        reason = stuck_reason(
            stage=row_stage,
            row_seq=0 if behind or last_on is None else 1,
            log_seq=0 if last_on is None else 1,
            last_transition_on=last_on,
            today=TODAY,
        )
        if reason is not None:
            expected.append(((reason.value, -(days or 0), name), number, reason.value))
    expected.sort()
    filters = WorklistFilters(kind=PartyKind.MUNICIPALITY)
    whole = worklist(sql_engine, filters=filters, checklist=ITEMS, today=TODAY)
    found = [(s.party.name, s.reason.value) for s in whole.stuck]
    assert found == [(key[2], reason) for key, _number, reason in expected]
    assert whole.counts.stuck == len(expected) == 9
    cut = worklist(sql_engine, filters=filters, checklist=ITEMS, today=TODAY, limit=3)
    assert cut.stuck == whole.stuck[:3] and cut.counts.stuck == 9
