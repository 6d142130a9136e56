"""Point-in-time reports equal a brute-force replay of the event log (hypothesis).

Randomized histories (transitions the process allows, backdated, with
amendments and voids, recorded over years at any hour) are written through the
same projection functions the workflows' activities use. Then, for random
`as_of` and `known_on`, the SQL reports (store/point_in_time.py) must say
exactly what a plain Python replay of the raw audit and correction rows says:
keep what was recorded by the end of `known_on` in Oslo, apply the
corrections in recording order, take what had taken effect by `as_of`.
On SQLite and on PostgreSQL.
"""

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import Session

from onboarding.domain.actor import Actor
from onboarding.domain.calendar import OSLO
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.correction_records import (
    CorrectionKind,
    CorrectionProjection,
    CorrectionRecord,
)
from onboarding.domain.parties.models import ProjectionInput, RegistrationInput, TransitionRecord
from onboarding.domain.party import PartyKind
from onboarding.domain.process.machine import ProcessContext, allowed_triggers
from onboarding.domain.report_milestones import stages_for
from onboarding.domain.reports import Interval
from onboarding.domain.vocabulary import MILESTONE_RANK, MILESTONES, Stage, Trigger
from onboarding.store import point_in_time, projection
from onboarding.store.database import session_scope
from onboarding.store.tables.parties import AuditEventRow, CorrectionRow, MunicipalityRow
from tests.helpers import V1

ACTOR = Actor(id="token:1", name="Kari Nordmann", role="coordinator")
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
EVIDENCE = {
    Trigger.SIGN_COLLABORATION: {"agreement_version": "2017", "document_ref": "ARK-1"},
    Trigger.REQUIRE_RESIGNATURE: {"agreement_version": "2022"},
    Trigger.EXERCISE_OPTION: {"case_ref": "2021/1"},
    Trigger.DECLINE: {"case_ref": "2023/1", "reason": "too dear"},
    Trigger.PAUSE: {"reason": "on hold"},
    Trigger.WITHDRAW: {"reason": "withdrew"},
}
_numbers = itertools.count(1000)


@dataclass
class Model:
    """One municipality as its workflow would hold it: stage and the records in force."""

    number: str
    seq: int = 0
    stage: Stage = Stage.PROSPECTIVE
    paused_from: Stage | None = None
    records: list[tuple[int, TransitionRecord]] = field(default_factory=list)

    def municipality(self) -> Municipality:
        return Municipality(
            number=self.number, name=f"By {self.number}", county="Trøndelag", health_trust="HF"
        )


def _recorded(day: int, hour: int) -> datetime:
    return EPOCH + timedelta(days=day, hours=hour, minutes=7)


def _transition(engine: Engine, model: Model, choice: int, day: int, hour: int) -> None:
    allowed = allowed_triggers(
        ProcessContext(definition=V1, stage=model.stage, paused_from=model.paused_from)
    )
    if not allowed:
        return
    trigger = allowed[choice % len(allowed)]
    today = (EPOCH + timedelta(days=day)).date()
    low = model.records[-1][1].effective_on if model.records else today - timedelta(days=900)
    effective_on = low + timedelta(days=choice % ((today - low).days + 1))
    to_stage = (
        model.paused_from
        if trigger is Trigger.RESUME and model.paused_from
        else {
            Trigger.SIGN_COLLABORATION: Stage.COLLABORATION_SIGNED,
            Trigger.REQUIRE_RESIGNATURE: Stage.RESIGNATURE_REQUIRED,
            Trigger.EXERCISE_OPTION: Stage.OPTION_EXERCISED,
            Trigger.DECLINE: Stage.DECLINED,
            Trigger.START_PREPARATION: Stage.PREPARING,
            Trigger.SIGN_SERVICE_AGREEMENT: Stage.SERVICE_AGREEMENT_SIGNED,
            Trigger.APPROVE_GO_LIVE: Stage.READY,
            Trigger.GO_LIVE: Stage.LIVE,
            Trigger.PAUSE: Stage.PAUSED,
            Trigger.WITHDRAW: Stage.WITHDRAWN,
        }[trigger]
    )
    assert to_stage is not None
    model.seq += 1
    record = TransitionRecord(
        seq=model.seq,
        trigger=trigger,
        from_stage=model.stage,
        to_stage=to_stage,
        effective_on=effective_on,
        evidence=EVIDENCE.get(trigger, {}),
        comment=None,
        actor=ACTOR,
        recorded_at=_recorded(day, hour),
        idempotency_key=None,
        workflow_id=f"municipality-{model.number}",
        run_id="run-1",
    )
    if to_stage is Stage.PAUSED:
        model.paused_from = model.stage
    elif trigger is Trigger.RESUME:
        model.paused_from = None
    model.stage = to_stage
    projection.record_transition(
        engine,
        ProjectionInput(
            municipality=model.municipality(),
            record=record,
            stage=model.stage,
            paused_from=model.paused_from,
        ),
    )
    with session_scope(engine) as session:
        event_id = session.execute(
            select(AuditEventRow.id).where(
                AuditEventRow.municipality_number == model.number, AuditEventRow.seq == record.seq
            )
        ).scalar_one()
    model.records.append((event_id, record))


def _correct(
    engine: Engine, model: Model, kind: CorrectionKind, choice: int, day: int, hour: int
) -> None:
    if not model.records:
        return
    today = (EPOCH + timedelta(days=day)).date()
    if kind is CorrectionKind.VOID:
        index = len(model.records) - 1
    else:
        index = choice % len(model.records)
    event_id, target = model.records[index]
    stage_before = model.stage
    effective_after: date | None = None
    evidence_after: dict[str, str] | None = None
    if kind is CorrectionKind.VOID:
        model.records.pop()
        model.stage = target.from_stage
        if target.trigger is Trigger.RESUME:
            model.paused_from = target.to_stage
        elif target.to_stage is Stage.PAUSED:
            model.paused_from = None
    else:
        low = (
            model.records[index - 1][1].effective_on
            if index > 0
            else target.effective_on - timedelta(days=400)
        )
        high = model.records[index + 1][1].effective_on if index + 1 < len(model.records) else today
        effective_after = low + timedelta(days=choice % ((high - low).days + 1))
        evidence_after = {**target.evidence, "document_ref": f"corrected-{choice}"}
        model.records[index] = (
            event_id,
            target.model_copy(update={"effective_on": effective_after, "evidence": evidence_after}),
        )
    model.seq += 1
    record = CorrectionRecord(
        seq=model.seq,
        kind=kind,
        event_id=event_id,
        target_seq=target.seq,
        trigger=target.trigger,
        effective_on_before=target.effective_on,
        effective_on_after=effective_after,
        evidence_before=target.evidence,
        evidence_after=evidence_after,
        stage_before=stage_before,
        stage_after=model.stage,
        reason="recorded wrongly",
        actor=ACTOR,
        recorded_at=_recorded(day, hour),
        idempotency_key=None,
        workflow_id=f"municipality-{model.number}",
        run_id="run-1",
    )
    projection.record_correction(
        engine,
        CorrectionProjection(
            municipality=model.municipality(),
            record=record,
            stage=model.stage,
            paused_from=model.paused_from,
        ),
    )


def write_history(engine: Engine, steps: list[tuple[int, int, int, int, int]]) -> list[Model]:
    """Play `steps` (municipality, operation, days later, hour, choice) into the database."""
    models = [Model(number=str(next(_numbers))) for _ in range(3)]
    for model in models:
        projection.register_municipality(
            engine,
            RegistrationInput(
                municipality=model.municipality(),
                workflow_id=f"municipality-{model.number}",
                run_id="run-1",
            ),
        )
    day = 0
    for which, operation, gap, hour, choice in steps:
        day += gap
        model = models[which]
        if operation <= 6:
            _transition(engine, model, choice, day, hour)
        elif operation <= 8:
            _correct(engine, model, CorrectionKind.AMEND, choice, day, hour)
        else:
            _correct(engine, model, CorrectionKind.VOID, choice, day, hour)
    return models


# -- the brute force ----------------------------------------------------------------


def _oslo_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(OSLO).date()


def replay(engine: Engine, *, as_of: date, known_on: date | None) -> dict[str, tuple[Stage, int]]:
    """Per municipality with a transition in force by as_of: (stage, top milestone rank)."""
    with Session(engine, expire_on_commit=False) as session:
        events = list(session.execute(select(AuditEventRow)).scalars())
        corrections = list(session.execute(select(CorrectionRow)).scalars())
    log: list[tuple[datetime, int, Any]] = [
        (e.recorded_at.replace(tzinfo=None), 0, e) for e in events
    ] + [(c.recorded_at.replace(tzinfo=None), 1, c) for c in corrections]
    in_force: dict[int, list[Any]] = {}  # event id -> [event, effective_on]
    for recorded_at, _, item in sorted(log, key=lambda x: (x[0], x[1], x[2].seq)):
        if known_on is not None and _oslo_day(recorded_at) > known_on:
            continue
        if isinstance(item, AuditEventRow):
            assert item.id is not None
            in_force[item.id] = [item, item.effective_on]
        elif item.kind == "void":
            in_force.pop(item.event_id, None)
        else:
            in_force[item.event_id][1] = item.effective_on_after
    result: dict[str, tuple[Stage, int]] = {}
    by_number: dict[str, list[tuple[int, str]]] = {}
    for event, effective_on in in_force.values():
        if effective_on <= as_of:
            by_number.setdefault(event.municipality_number, []).append((event.seq, event.to_stage))
    for number, items in by_number.items():
        stage = Stage(max(items)[1])
        top = max(MILESTONE_RANK.get(Stage(s), 0) for _, s in items)
        result[number] = (stage, top)
    return result


def expected_funnel(engine: Engine, *, as_of: date, known_on: date | None) -> dict[str, Any]:
    replayed = replay(engine, as_of=as_of, known_on=known_on)
    with Session(engine) as session:
        total = len(list(session.execute(select(MunicipalityRow.number))))
    stages = {s.value: 0 for s in Stage}
    for stage, _ in replayed.values():
        stages[stage.value] += 1
    stages[Stage.PROSPECTIVE.value] += total - len(replayed)
    reached = {
        m.value: sum(1 for _, top in replayed.values() if top >= MILESTONE_RANK[m])
        for m in MILESTONES
    }
    return {"total": total, "stages": stages, "reached": reached}


STEPS = st.lists(
    st.tuples(
        st.integers(0, 2),  # which municipality
        st.integers(0, 9),  # 0-6 transition, 7-8 amend, 9 void
        st.integers(0, 120),  # days after the previous step
        st.integers(0, 23),  # hour (UTC) it was recorded: crosses Oslo's midnight
        st.integers(0, 10_000),  # the choice within the step
    ),
    min_size=1,
    max_size=30,
)
QUESTIONS = st.lists(
    st.tuples(
        st.integers(-900, 2_000),
        # known_on: none, any day, or (negative) the UTC day step -n was recorded on, so
        # records at 22:00-23:59 UTC (the next day in Oslo) meet the boundary often.
        st.one_of(st.none(), st.integers(0, 2_000), st.integers(-30, -1)),
    ),
    min_size=1,
    max_size=6,
)


def check_reports(engine: Engine, steps: Any, questions: Any) -> None:
    models = write_history(engine, steps)
    recorded_days, day = [], 0
    for _, _, gap, hour, _ in steps:
        day += gap
        recorded_days.append(_recorded(day, hour).date())
    for as_of_day, known_day in questions:
        as_of = EPOCH.date() + timedelta(days=as_of_day)
        known_on: date | None = None
        if known_day is not None and known_day < 0:
            known_on = recorded_days[known_day % len(recorded_days)]
        elif known_day is not None:
            known_on = EPOCH.date() + timedelta(days=known_day)
        report = point_in_time.funnel(
            engine, as_of=as_of, known_on=known_on, kind=PartyKind.MUNICIPALITY
        )
        expected = expected_funnel(engine, as_of=as_of, known_on=known_on)
        municipality_stages = {s.value for s in stages_for(PartyKind.MUNICIPALITY)}
        assert report.model_dump(include={"total", "stages", "reached"}) == {
            **expected,
            "stages": {k: v for k, v in expected["stages"].items() if k in municipality_stages},
        }
        # Every kind together: the same parties, so the same counts, and no party on the
        # milestones only other kinds' roads have.
        together = point_in_time.funnel(engine, as_of=as_of, known_on=known_on)
        assert together.stages == expected["stages"]
        assert together.reached == {
            **expected["reached"],
            Stage.AGREEMENT_OFFERED.value: 0,
            Stage.AGREEMENT_SIGNED.value: 0,
        }
        table = point_in_time.stages(engine, as_of=as_of, known_on=known_on)
        replayed = replay(engine, as_of=as_of, known_on=known_on)
        for row in table.municipalities:
            assert row.stage == replayed.get(row.number, (Stage.PROSPECTIVE, 0))[0], row
        series, together_series = (
            point_in_time.milestone_series(
                engine,
                start=as_of - timedelta(days=400),
                end=as_of,
                interval=Interval.QUARTER,
                known_on=known_on,
                kind=series_kind,
            )
            for series_kind in (PartyKind.MUNICIPALITY, None)
        )
        for point, together_point in zip(
            series.points[-2:], together_series.points[-2:], strict=True
        ):
            reached = expected_funnel(engine, as_of=point.on, known_on=known_on)["reached"]
            assert point.reached == reached
            # Every kind together: the same parties, none on the other kinds' milestones.
            assert together_point.reached == {
                **reached,
                Stage.AGREEMENT_OFFERED.value: 0,
                Stage.AGREEMENT_SIGNED.value: 0,
            }
    # Known now and as of the last day, the reports agree with the workflows' own state.
    last = EPOCH.date() + timedelta(days=3_000)
    rows = point_in_time.stages(engine, as_of=last).municipalities
    table = {row.number: row.stage for row in rows}
    for model in models:
        assert table[model.number] == model.stage


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS, questions=QUESTIONS)
def test_reports_equal_a_replay_of_the_log_on_sqlite(
    sqlite_engine: Engine, steps: Any, questions: Any
) -> None:
    check_reports(sqlite_engine, steps, questions)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS, questions=QUESTIONS)
def test_reports_equal_a_replay_of_the_log_on_postgresql(
    postgres_engine: Engine, steps: Any, questions: Any
) -> None:
    check_reports(postgres_engine, steps, questions)


def test_period_ends_are_calendar_intervals_capped_at_the_end() -> None:
    ends = point_in_time.period_ends(date(2022, 1, 15), date(2022, 4, 10), Interval.MONTH)
    assert ends == [date(2022, 1, 31), date(2022, 2, 28), date(2022, 3, 31), date(2022, 4, 10)]
    quarters = point_in_time.period_ends(date(2022, 2, 1), date(2022, 12, 31), Interval.QUARTER)
    assert quarters == [date(2022, 3, 31), date(2022, 6, 30), date(2022, 9, 30), date(2022, 12, 31)]
    assert point_in_time.period_ends(date(2021, 6, 1), date(2022, 1, 1), Interval.YEAR) == [
        date(2021, 12, 31),
        date(2022, 1, 1),
    ]
