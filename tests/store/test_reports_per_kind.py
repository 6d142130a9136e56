"""The reports per kind of party equal an independent count of the audit log (issue #19).

A small region (municipalities, GP offices in Trondheim, a hospital, a
private specialist) is written through the projection the workflows'
activities use, with transitions recorded days after they took effect (some
late in the evening, Oslo's next day) and corrections recorded years later.
The expected counts are made here, straight from the audit_event, correction
and municipality rows in plain SQL, with each kind's road written out below
(not taken from the report code): keep what was recorded by the end of
`known_on` in Oslo, apply the corrections known then, take what had taken
effect by `as_of`. On SQLite and PostgreSQL, on past dates as known on past dates.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from onboarding.domain.actor import Actor
from onboarding.domain.parties.correction_records import (
    CorrectionKind,
    CorrectionProjection,
    CorrectionRecord,
)
from onboarding.domain.parties.models import ProjectionInput, RegistrationInput, TransitionRecord
from onboarding.domain.party import Party, PartyKind, org_number_check_digit
from onboarding.domain.reports import Interval
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import coverage, point_in_time, projection

ACTOR = Actor(id="token:1", name="Kari Nordmann", role="coordinator")
OSLO = ZoneInfo("Europe/Oslo")

# Each kind's milestones as the program counts them, written out (docs/reports.md).
ROADS: dict[str, list[str]] = {
    "municipality": [
        "collaboration_signed",
        "option_exercised",
        "preparing",
        "service_agreement_signed",
        "ready",
        "live",
    ],
    "gp_office": ["agreement_offered", "agreement_signed", "preparing", "ready", "live"],
    "specialist": ["agreement_offered", "agreement_signed", "preparing", "ready", "live"],
    "hospital": ["preparing", "ready", "live"],
}
SIGNATURE = {"municipality": "service_agreement_signed", "gp_office": "agreement_signed"}

STAGE_OF = {
    Trigger.SIGN_COLLABORATION: Stage.COLLABORATION_SIGNED,
    Trigger.EXERCISE_OPTION: Stage.OPTION_EXERCISED,
    Trigger.START_PREPARATION: Stage.PREPARING,
    Trigger.SIGN_SERVICE_AGREEMENT: Stage.SERVICE_AGREEMENT_SIGNED,
    Trigger.APPROVE_GO_LIVE: Stage.READY,
    Trigger.GO_LIVE: Stage.LIVE,
    Trigger.PAUSE: Stage.PAUSED,
    Trigger.DECLINE: Stage.DECLINED,
    Trigger.OFFER_STANDARD_AGREEMENT: Stage.AGREEMENT_OFFERED,
    Trigger.SIGN_STANDARD_AGREEMENT: Stage.AGREEMENT_SIGNED,
    Trigger.POSTPONE_DECISION: Stage.DECISION_POSTPONED,
}


def org_number(first_eight: str) -> str:
    digit = org_number_check_digit(first_eight)
    assert digit is not None
    return f"{first_eight}{digit}"


def municipality(number: str, name: str, staff: int | None = None) -> Party:
    return Party(
        number=number,
        name=name,
        county="Trøndelag",
        health_trust="St. Olavs hospital HF",
        staff_count=staff,
    )


def other(kind: PartyKind, first_eight: str, name: str, staff: int | None) -> Party:
    org = org_number(first_eight)
    prefix = {PartyKind.GP_OFFICE: "gp", PartyKind.SPECIALIST: "specialist"}.get(kind, "hospital")
    return Party(
        number=f"{prefix}-{org}",
        name=name,
        county="Trøndelag",
        health_trust="St. Olavs hospital HF",
        kind=kind,
        org_number=org,
        municipality_number=None if kind is PartyKind.HOSPITAL else "5001",
        specialty="psychiatry" if kind is PartyKind.SPECIALIST else None,
        staff_count=staff,
    )


def recorded(day: date, *, lag: int = 3, late: bool = False) -> datetime:
    """`lag` days after `day`; late: 22:30 UTC, already the next day in Oslo."""
    return datetime.combine(day + timedelta(days=lag), time(22 if late else 9, 30), tzinfo=UTC)


@dataclass
class Writer:
    """Writes a party's history through the projection, as its workflow's activities do."""

    engine: Engine
    party: Party
    seq: int = 0
    stage: Stage = Stage.PROSPECTIVE

    def register(self) -> "Writer":
        projection.register_municipality(
            self.engine,
            RegistrationInput(
                municipality=self.party, workflow_id=f"party-{self.party.number}", run_id="r1"
            ),
        )
        return self

    def go(self, trigger: Trigger, on: date, *, lag: int = 3, late: bool = False) -> "Writer":
        to_stage = STAGE_OF[trigger]
        self.seq += 1
        record = TransitionRecord(
            seq=self.seq,
            trigger=trigger,
            from_stage=self.stage,
            to_stage=to_stage,
            effective_on=on,
            evidence={},
            comment=None,
            actor=ACTOR,
            recorded_at=recorded(on, lag=lag, late=late),
            idempotency_key=None,
            workflow_id=f"party-{self.party.number}",
            run_id="r1",
        )
        paused_from = self.stage if to_stage is Stage.PAUSED else None
        self.stage = to_stage
        projection.record_transition(
            self.engine,
            ProjectionInput(
                municipality=self.party, record=record, stage=to_stage, paused_from=paused_from
            ),
        )
        return self

    def correct(
        self, target_seq: int, kind: CorrectionKind, at: datetime, moved_to: date | None = None
    ) -> "Writer":
        with self.engine.connect() as connection:
            event_id, trigger, effective_on, from_stage = connection.execute(
                text(
                    "SELECT id, trigger, effective_on, from_stage FROM audit_event "
                    "WHERE municipality_number = :n AND seq = :s"
                ),
                {"n": self.party.number, "s": target_seq},
            ).one()
        before = self.stage
        if kind is CorrectionKind.VOID:
            self.stage = Stage(from_stage)
        self.seq += 1
        record = CorrectionRecord(
            seq=self.seq,
            kind=kind,
            event_id=event_id,
            target_seq=target_seq,
            trigger=Trigger(trigger),
            effective_on_before=effective_on,
            effective_on_after=moved_to,
            evidence_before={},
            evidence_after={} if moved_to else None,
            stage_before=before,
            stage_after=self.stage,
            reason="recorded wrongly",
            actor=ACTOR,
            recorded_at=at,
            idempotency_key=None,
            workflow_id=f"party-{self.party.number}",
            run_id="r1",
        )
        projection.record_correction(
            self.engine,
            CorrectionProjection(
                municipality=self.party, record=record, stage=self.stage, paused_from=None
            ),
        )
        return self


def write_region(engine: Engine) -> None:
    """Four municipalities, five GP offices in Trondheim, a hospital and a specialist."""
    g = Trigger
    (
        Writer(engine, municipality("5001", "Trondheim", 8500))
        .register()
        .go(g.SIGN_COLLABORATION, date(2017, 3, 15))
        .go(g.EXERCISE_OPTION, date(2019, 8, 29))
        .go(g.START_PREPARATION, date(2019, 10, 1), late=True)
        .go(g.SIGN_SERVICE_AGREEMENT, date(2021, 6, 1))
        .go(g.APPROVE_GO_LIVE, date(2022, 4, 30), lag=0)
        .go(g.GO_LIVE, date(2022, 5, 7), lag=0, late=True)
    )
    # The option vote first recorded a week late; amended years later.
    (
        Writer(engine, municipality("5055", "Heim"))
        .register()
        .go(g.SIGN_COLLABORATION, date(2017, 4, 1))
        .go(g.EXERCISE_OPTION, date(2021, 6, 17), lag=1)
        .correct(2, CorrectionKind.AMEND, datetime(2023, 1, 5, 10, tzinfo=UTC), date(2021, 6, 10))
    )
    # An option vote that never happened: voided in December 2022.
    (
        Writer(engine, municipality("5027", "Midtre Gauldal"))
        .register()
        .go(g.SIGN_COLLABORATION, date(2017, 5, 1))
        .go(g.EXERCISE_OPTION, date(2021, 3, 1))
        .correct(2, CorrectionKind.VOID, datetime(2022, 12, 1, 22, 45, tzinfo=UTC))
    )
    (
        Writer(engine, municipality("5035", "Stjørdal"))
        .register()
        .go(g.SIGN_COLLABORATION, date(2017, 6, 1))
        .go(g.EXERCISE_OPTION, date(2021, 5, 1))
        .go(g.PAUSE, date(2023, 3, 24))
    )
    gp = PartyKind.GP_OFFICE
    (
        Writer(engine, other(gp, "91234572", "Øya legesenter", 12))
        .register()
        .go(g.OFFER_STANDARD_AGREEMENT, date(2021, 9, 1))
        .go(g.SIGN_STANDARD_AGREEMENT, date(2021, 11, 1))
        .go(g.START_PREPARATION, date(2022, 1, 10))
        .go(g.APPROVE_GO_LIVE, date(2022, 4, 30), lag=0)
        .go(g.GO_LIVE, date(2022, 5, 7), lag=0, late=True)
    )
    (
        Writer(engine, other(gp, "91234568", "Nidelva legekontor", 8))
        .register()
        .go(g.OFFER_STANDARD_AGREEMENT, date(2021, 9, 1))
        .go(g.SIGN_STANDARD_AGREEMENT, date(2021, 12, 1))
        .go(g.START_PREPARATION, date(2022, 2, 1))
    )
    (
        Writer(engine, other(gp, "91234569", "Bakklandet fastleger", None))
        .register()
        .go(g.OFFER_STANDARD_AGREEMENT, date(2023, 1, 10))
        .go(g.POSTPONE_DECISION, date(2023, 2, 1))
    )
    (
        Writer(engine, other(gp, "91234573", "Lade legesenter", 5))
        .register()
        .go(g.OFFER_STANDARD_AGREEMENT, date(2023, 1, 10))
        .go(g.DECLINE, date(2023, 3, 1))
    )
    Writer(engine, other(gp, "91234571", "Byåsen legekontor", None)).register()
    (
        Writer(engine, other(PartyKind.HOSPITAL, "98765432", "St. Olavs hospital", 11000))
        .register()
        .go(g.START_PREPARATION, date(2020, 6, 1))
        .go(g.APPROVE_GO_LIVE, date(2022, 11, 5), lag=0)
        .go(g.GO_LIVE, date(2022, 11, 12), lag=0)
    )
    (
        Writer(engine, other(PartyKind.SPECIALIST, "98765433", "Psykiater Dahl", 2))
        .register()
        .go(g.OFFER_STANDARD_AGREEMENT, date(2023, 11, 15))
        .go(g.SIGN_STANDARD_AGREEMENT, date(2024, 1, 20))
    )


# -- the independent count -------------------------------------------------------------


def known_before(known_on: date | None) -> datetime | None:
    """The end of `known_on` in Oslo, as naive UTC (how both databases compare it)."""
    if known_on is None:
        return None
    end = datetime.combine(known_on + timedelta(days=1), time(), tzinfo=OSLO)
    return end.astimezone(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime | str) -> datetime:
    """A timestamp column as naive UTC (SQLite hands raw SQL its text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _day(value: date | str | None) -> date | None:
    """A date column (SQLite hands raw SQL its text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class Counted:
    kind: str
    staff: int | None
    stage: str = "prospective"
    furthest: int = 0  # on its own road (ROADS)


def count_log(engine: Engine, *, as_of: date, known_on: date | None) -> dict[str, Counted]:
    """Every party's stage and furthest milestone on `as_of`, as known on `known_on`."""
    limit = known_before(known_on)
    with engine.connect() as connection:
        parties = connection.execute(text("SELECT number, kind, staff_count FROM municipality"))
        counted = {number: Counted(kind, staff) for number, kind, staff in parties}
        events = connection.execute(
            text(
                "SELECT id, municipality_number, seq, to_stage, effective_on, recorded_at "
                "FROM audit_event"
            )
        ).all()
        corrections = connection.execute(
            text(
                "SELECT event_id, seq, kind, effective_on_after, recorded_at FROM correction "
                "ORDER BY municipality_number, seq"
            )
        ).all()
    effective = {
        id_: (number, seq, stage, _day(on))
        for id_, number, seq, stage, on, at in events
        if limit is None or _naive_utc(at) < limit
    }
    for event_id, _, kind, moved_to, at in corrections:
        if limit is not None and _naive_utc(at) >= limit:
            continue
        if kind == "void":
            effective.pop(event_id, None)
        elif event_id in effective:
            number, seq, stage, _ = effective[event_id]
            effective[event_id] = (number, seq, stage, _day(moved_to))
    latest: dict[str, int] = {}
    for number, seq, stage, on in effective.values():
        if on is None or on > as_of:
            continue
        party = counted[number]
        road = ROADS[party.kind]
        if stage in road:
            party.furthest = max(party.furthest, road.index(stage) + 1)
        if seq > latest.get(number, 0):
            latest[number] = seq
            party.stage = stage
    return counted


def expected_funnel(counted: dict[str, Counted], kind: str | None) -> dict[str, Any]:
    parties = [p for p in counted.values() if kind is None or p.kind == kind]
    milestones = ROADS[kind] if kind else sorted({m for road in ROADS.values() for m in road})
    reached = {
        m: sum(1 for p in parties if m in ROADS[p.kind] and p.furthest > ROADS[p.kind].index(m))
        for m in milestones
    }
    stages: dict[str, int] = {}
    for party in parties:
        stages[party.stage] = stages.get(party.stage, 0) + 1
    return {
        "total": len(parties),
        "stages": stages,
        "reached": reached,
        "live": stages.get("live", 0),
        "signed": sum(reached.get(s, 0) for s in set(SIGNATURE.values())),
    }


QUESTIONS = [
    (date(2022, 5, 7), None),
    (date(2022, 5, 7), date(2022, 5, 7)),  # Trondheim's go-live was recorded late that night
    (date(2022, 10, 11), date(2022, 10, 11)),
    (date(2022, 12, 31), date(2022, 12, 1)),  # the void was recorded 23:45 in Oslo that day
    (date(2021, 6, 15), date(2023, 1, 4)),  # before the amendment was known
    (date(2021, 6, 15), date(2023, 1, 5)),
    (date(2023, 6, 30), date(2023, 1, 31)),
    (date(2024, 4, 27), None),
]


@pytest.mark.parametrize(("as_of", "known_on"), QUESTIONS)
def test_reports_per_kind_equal_a_count_of_the_audit_log(
    sql_engine: Engine, as_of: date, known_on: date | None
) -> None:
    write_region(sql_engine)
    counted = count_log(sql_engine, as_of=as_of, known_on=known_on)
    for kind in [*(k.value for k in PartyKind), None]:
        party_kind = PartyKind(kind) if kind else None
        report = point_in_time.funnel(sql_engine, as_of=as_of, known_on=known_on, kind=party_kind)
        expected = expected_funnel(counted, kind)
        got = report.model_dump(include={"total", "stages", "reached", "live", "signed"})
        got["stages"] = {stage: n for stage, n in got["stages"].items() if n}
        got["reached"] = dict(sorted(got["reached"].items())) if kind is None else got["reached"]
        assert got == expected, kind

        table = point_in_time.stages(sql_engine, as_of=as_of, known_on=known_on, kind=party_kind)
        assert {row.number for row in table.municipalities} == {
            n for n, p in counted.items() if kind is None or p.kind == kind
        }
        for row in table.municipalities:
            party = counted[row.number]
            assert (row.kind.value, row.stage.value) == (party.kind, party.stage), row
            road = ROADS[party.kind]
            assert row.milestone == (road[party.furthest - 1] if party.furthest else None), row

        series = point_in_time.milestone_series(
            sql_engine,
            start=as_of - timedelta(days=200),
            end=as_of,
            interval=Interval.MONTH,
            known_on=known_on,
            kind=party_kind,
        )
        assert series.points[-1].reached == report.reached
        assert series.total == expected["total"]


@pytest.mark.parametrize(("as_of", "known_on"), QUESTIONS)
def test_coverage_equals_a_count_of_the_audit_log(
    sql_engine: Engine, as_of: date, known_on: date | None
) -> None:
    write_region(sql_engine)
    counted = count_log(sql_engine, as_of=as_of, known_on=known_on)
    report = coverage.coverage(sql_engine, as_of=as_of, known_on=known_on)
    rows = [*report.kinds, report.together]
    assert [row.kind for row in rows] == [*PartyKind, None]
    for row in rows:
        parties = [p for p in counted.values() if row.kind is None or p.kind == row.kind.value]
        live = [p for p in parties if p.stage == "live"]
        assert (row.parties, row.live) == (len(parties), len(live)), row.kind
        for got, among in ((row.staff, parties), (row.staff_live, live)):
            assert got.staff == sum(p.staff for p in among if p.staff is not None), row.kind
            assert got.unrecorded == sum(1 for p in among if p.staff is None), row.kind


def test_staff_sums_match_sql_over_the_party_table(sql_engine: Engine) -> None:
    write_region(sql_engine)
    with sql_engine.connect() as connection:
        sums = dict(
            connection.execute(
                text("SELECT kind, SUM(staff_count) FROM municipality GROUP BY kind")
            ).all()
        )
    report = coverage.coverage(sql_engine, as_of=date(2024, 4, 27))
    assert {row.kind.value: row.staff.staff for row in report.kinds if row.parties} == {
        kind: int(total or 0) for kind, total in sums.items()
    }
    # Trondheim and Øya legesenter live since 2022-05-07, the hospital since 2022-11-12.
    assert report.together.staff_live.staff == 8500 + 12 + 11000
