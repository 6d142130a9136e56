"""The SQL read model and audit log, on SQLite and on PostgreSQL (`sql_engine`).

The funnel is checked against an event log built by hand, with the expected
counts worked out by hand for each date (see FUNNEL_CASES).
"""

from datetime import date

import pytest
from sqlalchemy import Engine, func, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import RegistrationInput
from onboarding.domain.party import PartyKind
from onboarding.domain.report_milestones import milestones_together, stages_for
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import projection, queries
from onboarding.store.schema import create_schema
from onboarding.store.tables.parties import AuditEventRow
from tests.helpers.store import projected, register

S = Stage
T = Trigger


def audit_count(engine: Engine, number: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).where(AuditEventRow.municipality_number == number)
        ).one()


# -- projection --------------------------------------------------------------------


def test_register_creates_a_prospective_row_once(sql_engine: Engine) -> None:
    register(sql_engine, "8101")
    row = queries.get_municipality(sql_engine, number="8101")
    assert row is not None
    assert (row.stage, row.paused_from, row.last_seq) == ("prospective", None, 0)
    # Registering again (a new run) refreshes names but never the stage.
    projection.record_transition(
        sql_engine,
        projected(
            "8101", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 3, 1)
        ),
    )
    renamed = Municipality(number="8101", name="Nytt navn", county="Trøndelag", health_trust="X")
    projection.register_municipality(
        sql_engine, RegistrationInput(municipality=renamed, workflow_id="w", run_id="run-2")
    )
    row = queries.get_municipality(sql_engine, number="8101")
    assert row is not None
    assert (row.name, row.health_trust, row.stage, row.last_seq) == (
        "Nytt navn",
        "X",
        "collaboration_signed",
        1,
    )
    assert len(queries.list_municipalities(sql_engine)) == 1


def test_record_transition_is_idempotent(sql_engine: Engine) -> None:
    register(sql_engine, "8102")
    first = projected(
        "8102",
        1,
        T.SIGN_COLLABORATION,
        S.PROSPECTIVE,
        S.COLLABORATION_SIGNED,
        date(2017, 3, 1),
        evidence={"agreement_version": "2017", "document_ref": "ARK-1"},
    )
    assert projection.record_transition(sql_engine, first) is True
    assert projection.record_transition(sql_engine, first) is False  # a retried activity
    assert audit_count(sql_engine, "8102") == 1
    [stored] = queries.history(sql_engine, number="8102")
    assert stored == first.record  # every field survives the round trip, tz included
    row = queries.get_municipality(sql_engine, number="8102")
    assert row is not None
    assert (row.stage, row.last_seq, row.run_id) == ("collaboration_signed", 1, "run-1")


def test_an_older_seq_never_moves_the_row_back(sql_engine: Engine) -> None:
    register(sql_engine, "8103")
    day = date(2021, 6, 17)
    one = projected("8103", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, day)
    two = projected("8103", 2, T.EXERCISE_OPTION, S.COLLABORATION_SIGNED, S.OPTION_EXERCISED, day)
    three = projected(
        "8103", 3, T.PAUSE, S.OPTION_EXERCISED, S.PAUSED, day, paused_from=S.OPTION_EXERCISED
    )
    # Arrive out of order, as retries after an outage may.
    assert projection.record_transition(sql_engine, three) is True
    assert projection.record_transition(sql_engine, one) is True
    assert projection.record_transition(sql_engine, two) is True
    assert projection.record_transition(sql_engine, one) is False
    row = queries.get_municipality(sql_engine, number="8103")
    assert row is not None
    assert (row.stage, row.paused_from, row.last_seq) == ("paused", "option_exercised", 3)
    assert [r.seq for r in queries.history(sql_engine, number="8103")] == [1, 2, 3]


def test_another_runs_transition_under_a_recorded_seq_is_not_taken_for_a_retry(
    sql_engine: Engine,
) -> None:
    day = date(2021, 6, 17)
    first = projected("8114", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, day)
    assert projection.record_transition(sql_engine, first) is True
    # A workflow started afresh (say, after it was terminated) numbers from 1 again.
    other = projected(
        "8114",
        1,
        T.WITHDRAW,
        S.PROSPECTIVE,
        S.WITHDRAWN,
        day,
        evidence={"reason": "r"},
        run_id="run-of-a-new-workflow",
    )
    with pytest.raises(IntegrityError):
        projection.record_transition(sql_engine, other)
    assert queries.history(sql_engine, number="8114") == [first.record]
    row = queries.get_municipality(sql_engine, number="8114")
    assert row is not None
    assert (row.stage, row.last_seq) == ("collaboration_signed", 1)


def test_record_transition_creates_a_missing_row(sql_engine: Engine) -> None:
    # The registration activity has not run (or ran against another database).
    record = projected(
        "8104",
        1,
        T.WITHDRAW,
        S.PROSPECTIVE,
        S.WITHDRAWN,
        date(2020, 1, 1),
        evidence={"reason": "r"},
    )
    assert projection.record_transition(sql_engine, record) is True
    row = queries.get_municipality(sql_engine, number="8104")
    assert row is not None
    assert (row.stage, row.last_seq, row.name) == ("withdrawn", 1, "Testby 8104")


def test_resume_clears_paused_from(sql_engine: Engine) -> None:
    day = date(2023, 3, 24)
    for step in (
        projected("8105", 1, T.PAUSE, S.PREPARING, S.PAUSED, day, paused_from=S.PREPARING),
        projected("8105", 2, T.RESUME, S.PAUSED, S.PREPARING, day),
    ):
        projection.record_transition(sql_engine, step)
    row = queries.get_municipality(sql_engine, number="8105")
    assert row is not None
    assert (row.stage, row.paused_from, row.last_seq) == ("preparing", None, 2)


# -- append-only audit log ---------------------------------------------------------


def _with_one_event(engine: Engine, number: str) -> None:
    projection.record_transition(
        engine,
        projected(
            number, 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 3, 1)
        ),
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET to_stage = 'live'",
        "UPDATE audit_event SET comment = NULL WHERE seq = 1",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE seq = 1",
    ],
)
def test_audit_events_cannot_be_updated_or_deleted(sql_engine: Engine, statement: str) -> None:
    _with_one_event(sql_engine, "8106")
    with pytest.raises(DBAPIError, match="append-only"):
        with sql_engine.begin() as connection:
            connection.execute(text(statement))
    [event] = queries.history(sql_engine, number="8106")
    assert (event.to_stage, event.comment) == (S.COLLABORATION_SIGNED, "step 1")


def test_audit_events_cannot_be_changed_through_the_orm(sql_engine: Engine) -> None:
    _with_one_event(sql_engine, "8107")
    with pytest.raises(DBAPIError, match="append-only"):
        with Session(sql_engine) as session:
            event = session.exec(select(AuditEventRow)).one()
            event.to_stage = "live"
            session.add(event)
            session.commit()
    assert queries.history(sql_engine, number="8107")[0].to_stage is S.COLLABORATION_SIGNED


def test_create_schema_twice_is_safe_and_keeps_data_and_guards(sql_engine: Engine) -> None:
    _with_one_event(sql_engine, "8108")
    create_schema(sql_engine)
    create_schema(sql_engine)
    assert audit_count(sql_engine, "8108") == 1
    assert queries.get_municipality(sql_engine, number="8108") is not None
    with pytest.raises(DBAPIError, match="append-only"):
        with sql_engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_event"))
    # The guards do not get in the way of appending.
    _with_one_event(sql_engine, "8109")
    assert audit_count(sql_engine, "8109") == 1


# -- history -----------------------------------------------------------------------


def test_history_is_oldest_first_and_per_municipality(sql_engine: Engine) -> None:
    day = date(2021, 5, 26)
    steps = [
        projected("8110", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, day),
        projected(
            "8110", 2, T.REQUIRE_RESIGNATURE, S.COLLABORATION_SIGNED, S.RESIGNATURE_REQUIRED, day
        ),
        projected(
            "8110", 3, T.SIGN_COLLABORATION, S.RESIGNATURE_REQUIRED, S.COLLABORATION_SIGNED, day
        ),
        projected("8110", 10, T.EXERCISE_OPTION, S.COLLABORATION_SIGNED, S.OPTION_EXERCISED, day),
        projected("8111", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, day),
    ]
    # Written in an order that is neither seq nor insertion order of one municipality.
    for index in (3, 4, 1, 0, 2):
        projection.record_transition(sql_engine, steps[index])
    assert [r.seq for r in queries.history(sql_engine, number="8110")] == [1, 2, 3, 10]
    assert [r.trigger for r in queries.history(sql_engine, number="8110")] == [
        T.SIGN_COLLABORATION,
        T.REQUIRE_RESIGNATURE,
        T.SIGN_COLLABORATION,
        T.EXERCISE_OPTION,
    ]
    assert queries.history(sql_engine, number="8111") == [steps[4].record]
    assert queries.history(sql_engine, number="8112") == []
    latest = queries.last_transitions(sql_engine)
    assert {n: r.seq for n, r in latest.items()} == {"8110": 10, "8111": 1}
    assert latest["8110"] == steps[3].record
    assert list(queries.last_transitions(sql_engine, numbers=["8111"])) == ["8111"]


def test_list_municipalities_by_number_and_stage(sql_engine: Engine) -> None:
    for number in ("8123", "8121", "8122"):
        register(sql_engine, number)
    projection.record_transition(
        sql_engine,
        projected(
            "8122", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 3, 1)
        ),
    )
    assert [r.number for r in queries.list_municipalities(sql_engine)] == ["8121", "8122", "8123"]
    assert [r.number for r in queries.list_municipalities(sql_engine, stage=S.PROSPECTIVE)] == [
        "8121",
        "8123",
    ]
    assert [
        r.number for r in queries.list_municipalities(sql_engine, stage=S.COLLABORATION_SIGNED)
    ] == ["8122"]
    assert queries.list_municipalities(sql_engine, stage=S.LIVE) == []


# -- funnel ------------------------------------------------------------------------

# Hand-built logs: (effective_on, trigger, to_stage), per municipality, in seq order.
D = date.fromisoformat
EVENT_LOG: dict[str, list[tuple[str, Trigger, Stage]]] = {
    # A: the whole main road, live 2022-11-12.
    "8201": [
        ("2021-01-10", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-05-20", T.EXERCISE_OPTION, S.OPTION_EXERCISED),
        ("2021-09-01", T.START_PREPARATION, S.PREPARING),
        ("2022-09-30", T.SIGN_SERVICE_AGREEMENT, S.SERVICE_AGREEMENT_SIGNED),
        ("2022-10-20", T.APPROVE_GO_LIVE, S.READY),
        ("2022-11-12", T.GO_LIVE, S.LIVE),
    ],
    # B: asked to re-sign, re-signed, went no further.
    "8202": [
        ("2021-01-10", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-03-01", T.REQUIRE_RESIGNATURE, S.RESIGNATURE_REQUIRED),
        ("2021-06-01", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
    ],
    # C: exercised the option, declined much later.
    "8203": [
        ("2021-01-15", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-05-26", T.EXERCISE_OPTION, S.OPTION_EXERCISED),
        ("2023-10-01", T.DECLINE, S.DECLINED),
    ],
    # D: exercised the option, paused.
    "8204": [
        ("2021-02-01", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-06-17", T.EXERCISE_OPTION, S.OPTION_EXERCISED),
        ("2023-03-24", T.PAUSE, S.PAUSED),
    ],
    # E: two transitions on one day, then withdrew.
    "8205": [
        ("2021-02-01", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-06-17", T.EXERCISE_OPTION, S.OPTION_EXERCISED),
        ("2021-06-17", T.START_PREPARATION, S.PREPARING),
        ("2022-01-15", T.WITHDRAW, S.WITHDRAWN),
    ],
    # F: registered, never moved.
    "8206": [],
    # G: skipped preparation, signed, paused and resumed.
    "8207": [
        ("2021-01-10", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-05-26", T.EXERCISE_OPTION, S.OPTION_EXERCISED),
        ("2022-09-30", T.SIGN_SERVICE_AGREEMENT, S.SERVICE_AGREEMENT_SIGNED),
        ("2022-12-01", T.PAUSE, S.PAUSED),
        ("2023-01-05", T.RESUME, S.SERVICE_AGREEMENT_SIGNED),
    ],
    # H: declined before exercising, then exercised the option after all.
    "8208": [
        ("2021-01-10", T.SIGN_COLLABORATION, S.COLLABORATION_SIGNED),
        ("2021-04-01", T.DECLINE, S.DECLINED),
        ("2021-07-01", T.EXERCISE_OPTION, S.OPTION_EXERCISED),
    ],
}

NO_MILESTONES = [0, 0, 0, 0, 0, 0]
# as_of -> (stage counts that are not zero, reached counts in milestone order:
# collaboration_signed, option_exercised, preparing, service_agreement_signed, ready, live)
FUNNEL_CASES: dict[str, tuple[dict[str, int], list[int]]] = {
    # before any event: everyone prospective
    "2020-12-31": ({"prospective": 8}, NO_MILESTONES),
    "2021-01-09": ({"prospective": 8}, NO_MILESTONES),
    # the first day: events on as_of count
    "2021-01-10": ({"prospective": 4, "collaboration_signed": 4}, [4, 0, 0, 0, 0, 0]),
    # between events: B waits for re-signature, H has not declined yet
    "2021-03-15": (
        {"prospective": 1, "collaboration_signed": 6, "resignature_required": 1},
        [7, 0, 0, 0, 0, 0],
    ),
    # the day 19 had exercised the option in real life; here A, C, G
    "2021-05-26": (
        {
            "prospective": 1,
            "collaboration_signed": 2,
            "resignature_required": 1,
            "option_exercised": 3,
            "declined": 1,
        },
        [7, 3, 0, 0, 0, 0],
    ),
    # two transitions of E on one day: the later one counts
    "2021-06-17": (
        {
            "prospective": 1,
            "collaboration_signed": 1,
            "option_exercised": 4,
            "preparing": 1,
            "declined": 1,
        },
        [7, 5, 1, 0, 0, 0],
    ),
    # E withdrew but keeps preparing; G skipped preparing but reached it
    "2022-10-11": (
        {
            "prospective": 1,
            "collaboration_signed": 1,
            "option_exercised": 3,
            "service_agreement_signed": 2,
            "withdrawn": 1,
        },
        [7, 6, 3, 2, 0, 0],
    ),
    # A live, G paused (keeps its milestones)
    "2023-01-01": (
        {
            "prospective": 1,
            "collaboration_signed": 1,
            "option_exercised": 3,
            "live": 1,
            "paused": 1,
            "withdrawn": 1,
        },
        [7, 6, 3, 2, 1, 1],
    ),
    # after everything
    "2024-06-30": (
        {
            "prospective": 1,
            "collaboration_signed": 1,
            "option_exercised": 1,
            "service_agreement_signed": 1,
            "live": 1,
            "declined": 1,
            "paused": 1,
            "withdrawn": 1,
        },
        [7, 6, 3, 2, 1, 1],
    ),
}
MILESTONE_NAMES = [
    "collaboration_signed",
    "option_exercised",
    "preparing",
    "service_agreement_signed",
    "ready",
    "live",
]


def build_event_log(engine: Engine) -> None:
    for number, events in EVENT_LOG.items():
        register(engine, number)
        stage, paused_from = S.PROSPECTIVE, None
        for seq, (day, trigger, to_stage) in enumerate(events, 1):
            paused_from = stage if to_stage is S.PAUSED else None
            projection.record_transition(
                engine,
                projected(number, seq, trigger, stage, to_stage, D(day), paused_from=paused_from),
            )
            stage = to_stage


def test_funnel_on_past_dates(sql_engine: Engine) -> None:
    build_event_log(sql_engine)
    for as_of, (stages, reached) in FUNNEL_CASES.items():
        report = queries.funnel(sql_engine, as_of=D(as_of), kind=PartyKind.MUNICIPALITY)
        assert report.as_of == D(as_of)
        assert report.total == 8
        expected_stages = {
            s.value: stages.get(s.value, 0) for s in stages_for(PartyKind.MUNICIPALITY)
        }
        assert report.stages == expected_stages, as_of
        assert sum(report.stages.values()) == 8
        assert report.reached == dict(zip(MILESTONE_NAMES, reached, strict=True)), as_of
        # A region of municipalities only: together, the same counts.
        together = queries.funnel(sql_engine, as_of=D(as_of))
        assert {k: n for k, n in together.stages.items() if n} == {
            k: n for k, n in report.stages.items() if n
        }
        assert {m: together.reached[m] for m in MILESTONE_NAMES} == report.reached


def test_funnel_today_agrees_with_the_current_state_rows(sql_engine: Engine) -> None:
    build_event_log(sql_engine)
    report = queries.funnel(sql_engine, as_of=date(2030, 1, 1))
    rows = queries.list_municipalities(sql_engine)
    for stage in Stage:
        assert report.stages[stage.value] == sum(1 for r in rows if r.stage == stage.value)


def test_funnel_of_an_empty_region(sql_engine: Engine) -> None:
    report = queries.funnel(sql_engine, as_of=date(2024, 1, 1))
    assert report.total == 0
    assert set(report.stages) == {s.value for s in Stage}
    assert not any(report.stages.values())
    assert report.reached == dict.fromkeys((m.value for m in milestones_together()), 0)
    municipalities = queries.funnel(sql_engine, as_of=date(2024, 1, 1), kind=PartyKind.MUNICIPALITY)
    assert municipalities.reached == dict.fromkeys(MILESTONE_NAMES, 0)
