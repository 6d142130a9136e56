"""The wave pages' pure parts: Norwegian go-live times typed in a form, the engine's
conditions in both languages, the timeline chart, and the date history read from SQL."""

import re
from datetime import UTC, date, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import Engine

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import MunicipalityState
from onboarding.domain.parties.transitions import go_live_blockers
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import MILESTONES, Stage
from onboarding.domain.waves.blockers import ObligationFact, member_readiness
from onboarding.domain.waves.go_live import dependents_blocked
from onboarding.domain.waves.models import (
    MemberStatus,
    WaveEvent,
    WaveInfo,
    WaveMember,
    WaveProjection,
)
from onboarding.store import tokens
from onboarding.store.tokens import Role
from onboarding.store.waves import record_wave
from onboarding.web.charts import timeline_svg
from onboarding.web.conditions import condition_text
from onboarding.web.i18n import Translator
from onboarding.web.milestones import MilestonePoint, MilestoneSeries
from onboarding.web.wave_chart import WaveDates, waves_timeline_svg
from onboarding.web.wave_data import date_history, form_value, oslo_datetime
from tests.helpers.web import sign_in_form

NB, EN = Translator("nb"), Translator("en")
ACTOR = Actor(id="u", name="Kari", role="coordinator")
CEST, CET = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))


# -- go-live typed in Norwegian time ------------------------------------------------------


def test_a_typed_go_live_gets_the_norwegian_offset_of_its_date() -> None:
    summer = oslo_datetime("2031-04-25T22:00")
    winter = oslo_datetime("2031-10-31T22:00")
    assert summer == datetime(2031, 4, 25, 22, tzinfo=CEST)
    assert summer.utcoffset() == timedelta(hours=2)
    assert winter.utcoffset() == timedelta(hours=1)
    assert form_value(datetime(2031, 10, 31, 21, tzinfo=UTC)) == "2031-10-31T22:00"
    assert form_value(None) == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2031-03-30T02:30", "does not exist"),  # the hour the clocks skip
        ("25.04.2031 22:00", "not a date and time"),
        ("2031-04-25T22:00+02:00", "not a date and time"),  # the form sends local time only
        ("", "not a date and time"),
    ],
)
def test_a_bad_go_live_is_refused(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        oslo_datetime(typed)


# -- the engine's conditions, in both languages ---------------------------------------------


def _engine_sentences() -> list[str]:
    """Every kind of sentence the engine writes, produced by the engine's own functions."""
    state = MunicipalityState(
        municipality=Municipality(number="8901", name="T", county="C", health_trust="H"),
        stage=Stage.PREPARING,
        readiness_guard=True,
    )
    sentences = go_live_blockers(state, ReminderPolicy())
    paused = member_readiness(
        number="8901",
        name="T",
        stage=Stage.PAUSED,
        paused_from=Stage.PREPARING,
        member_status=MemberStatus.MISSED_GO_LIVE,
        obligations=[],
        checklist=["go_no_go_meeting"],
        as_of=date(2030, 1, 1),
        approval_stages=frozenset({Stage.SERVICE_AGREEMENT_SIGNED}),
    )
    complete = member_readiness(
        number="8901",
        name="T",
        stage=Stage.SERVICE_AGREEMENT_SIGNED,
        paused_from=None,
        member_status=MemberStatus.MEMBER,
        obligations=[
            ObligationFact("go_no_go_meeting", ObligationStatus.FULFILLED, None, None),
        ],
        checklist=["go_no_go_meeting"],
        as_of=date(2030, 1, 1),
        approval_stages=frozenset({Stage.SERVICE_AGREEMENT_SIGNED}),
    )
    # A GP office: its own approval stage, and the municipality it waits for.
    office = Party(
        number="gp-923609016",
        name="Legekontoret",
        county="C",
        health_trust="H",
        kind=PartyKind.GP_OFFICE,
        org_number="923609016",
        municipality_number="8901",
    )
    office_state = MunicipalityState(
        municipality=office,
        stage=Stage.AGREEMENT_SIGNED,
        readiness_guard=True,
        home_stage=Stage.PREPARING,
    )
    waiting = member_readiness(
        number=office.number,
        name=office.name,
        stage=Stage.AGREEMENT_SIGNED,
        paused_from=None,
        member_status=MemberStatus.MEMBER,
        obligations=[],
        checklist=[],
        as_of=date(2030, 1, 1),
        approval_stages=frozenset({Stage.PREPARING}),
        waits_for=("8901", None),
    )
    home = WaveMember(number="8901", name="T", seq=1, joined_at=datetime(2030, 1, 1, tzinfo=UTC))
    home.status = MemberStatus.MISSED_GO_LIVE
    member = WaveMember(
        number=office.number,
        name=office.name,
        seq=1,
        joined_at=datetime(2030, 1, 1, tzinfo=UTC),
        waits_for="8901",
    )
    missed = dependents_blocked([home, member], [member])[office.number]
    return (
        sentences
        + paused.missing
        + complete.missing
        + go_live_blockers(office_state, ReminderPolicy())
        + waiting.missing
        + missed
    )


def test_every_condition_the_engine_names_is_translated() -> None:
    sentences = _engine_sentences()
    assert len(sentences) >= 10
    assert {
        "stage preparing not reached",
        "municipality 8901 is not ready for go-live (preparing)",
        "municipality 8901 is not ready for go-live (not registered)",
        "municipality 8901 (T) did not go live with the wave",
    } <= set(sentences)
    for sentence in sentences:
        nb, en = condition_text(NB, sentence), condition_text(EN, sentence)
        assert nb != sentence and en != sentence, sentence
        assert nb != en, sentence
    assert condition_text(NB, "checklist item integrations_tested not done") == (
        "Sjekklistepunkt ikke utført: Integrasjoner testet"
    )
    assert condition_text(EN, "paused (from preparing)") == "Paused (from Preparing)"
    assert condition_text(NB, "municipality 8901 is not ready for go-live (preparing)") == (
        "Kommune 8901 er ikke klar for produksjon (Forberedelser)"
    )
    # A sentence the table does not know is shown as it is.
    assert condition_text(NB, "something new") == "something new"


# -- the timeline ---------------------------------------------------------------------------


def test_the_timeline_strikes_earlier_dates_and_points_to_the_current_one() -> None:
    moved = WaveDates(
        "trondheim",
        "Trondheim",
        "live",
        [
            datetime(2021, 11, 6, 6, tzinfo=CET),
            datetime(2022, 4, 30, 6, tzinfo=CEST),
            datetime(2022, 5, 7, 6, tzinfo=CEST),
        ],
    )
    fixed = WaveDates(
        "st-olavs", "St. Olavs <hospital>", "planned", [datetime(2022, 11, 12, 6, tzinfo=CET)]
    )
    svg = waves_timeline_svg(EN, [moved, fixed], today=date(2022, 12, 1))
    assert svg.count('class="wave-old"') == 2
    assert svg.count('class="wave-current"') == 2
    assert svg.count('class="wave-move"') == 2
    assert 'data-date="2021-11-06"' in svg and 'data-date="2022-05-07"' in svg
    assert "St. Olavs &lt;hospital&gt;" in svg  # names are escaped
    assert "Trondheim: 7 May 2022 (earlier 6 Nov 2021, 30 Apr 2022)" in svg  # the description
    assert "2022</text>" in svg  # a year on the axis

    empty = waves_timeline_svg(NB, [], today=date(2026, 1, 1))
    assert "Ingen bølger ennå." in empty and "wave-current" not in empty


# -- every date a wave had, from its history -------------------------------------------------


@pytest.mark.parametrize("engine_name", ["sqlite_engine", "postgres_engine"])
def test_date_history_reads_created_and_rescheduled(
    engine_name: str, request: pytest.FixtureRequest
) -> None:
    engine: Engine = request.getfixturevalue(engine_name)
    first = datetime(2025, 4, 25, 22, tzinfo=CEST)
    second = datetime(2025, 10, 31, 22, tzinfo=CET)
    now = datetime(2024, 6, 1, tzinfo=UTC)

    info = WaveInfo(
        id="sunnmore",
        name="Sunnmøre",
        health_trust=None,
        go_live_at=second,
        created_by=ACTOR,
        created_at=now,
    )
    record_wave(
        engine,
        WaveProjection(
            wave=info,
            members=[],
            events=[
                _event(1, "created", go_live_at=first),
                _event(2, "member_added", number="1520", go_live_at=first),
                _event(3, "rescheduled", go_live_at=second, previous_go_live_at=first),
            ],
        ),
    )
    assert date_history(engine) == {"sunnmore": [first, second]}


# -- the list over HTTP (SQL only, no workflow) ------------------------------------------------


async def test_the_waves_list_reads_sql_and_refuses_bad_input(
    http: httpx.AsyncClient,
    sqlite_engine: Engine,
) -> None:
    _, viewer = tokens.create_token(sqlite_engine, name="Per", role=Role.VIEWER)
    _, coordinator = tokens.create_token(sqlite_engine, name="Kari", role=Role.COORDINATOR)
    await sign_in_form(http, viewer)
    empty = await http.get("/waves", headers={"Accept-Language": "en"})
    assert empty.status_code == 200 and "No waves yet." in empty.text
    assert 'id="create-wave-form"' not in empty.text

    first = datetime(2031, 4, 25, 22, tzinfo=CEST)
    second = datetime(2031, 10, 31, 22, tzinfo=CET)
    info = WaveInfo(
        id="sunnmore",
        name="Sunnmøre",
        health_trust=None,
        go_live_at=second,
        created_by=ACTOR,
        created_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    record_wave(
        sqlite_engine,
        WaveProjection(
            wave=info,
            members=[],
            events=[
                _event(1, "created", go_live_at=first),
                _event(2, "rescheduled", go_live_at=second, previous_go_live_at=first),
            ],
        ),
    )
    listed = await http.get("/waves", headers={"Accept-Language": "en"})
    assert 'href="/waves/sunnmore"' in listed.text
    assert '<s class="muted">25 Apr 2031 22:00</s>' in listed.text  # the earlier date, struck
    assert "31 Oct 2031 22:00" in listed.text
    assert 'data-date="2031-04-25"' in listed.text and 'class="wave-move"' in listed.text
    # A viewer's post is refused for the role, even with the session's CSRF token.
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', listed.text)
    assert csrf
    refused = await http.post("/waves", data={"csrf_token": csrf.group(1), "id": "x"})
    assert refused.status_code == 403

    await http.post("/signout", data={"csrf_token": csrf.group(1)})
    await sign_in_form(http, coordinator)
    page = await http.get("/waves")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf and 'id="create-wave-form"' in page.text
    bad = await http.post(
        "/waves",
        data={
            "csrf_token": csrf.group(1),
            "id": "namdalen",
            "name": "Namdalen",
            "go_live_at": "2031-03-30T02:30",  # the hour the clocks skip
        },
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422
    assert 'id="f-create-go_live_at-error"' in bad.text
    assert 'value="Namdalen"' in bad.text  # what was typed is kept


def _event(seq: int, kind: str, **fields: object) -> WaveEvent:
    return WaveEvent(
        seq=seq,
        kind=kind,
        actor=ACTOR,
        recorded_at=datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=seq),
        workflow_id="wave-sunnmore",
        run_id="r",
        **fields,
    )


def test_earlier_dates_close_together_get_labels_on_two_lines() -> None:
    close = WaveDates(
        "trondheim",
        "Trondheim",
        "live",
        [
            datetime(2021, 11, 13, 6, tzinfo=CET),
            datetime(2021, 12, 4, 6, tzinfo=CET),
            datetime(2022, 5, 7, 6, tzinfo=CEST),
        ],
    )
    svg = waves_timeline_svg(NB, [close], today=date(2022, 12, 1))
    label_rows = re.findall(r'<text x="[0-9.]+" y="([0-9.]+)"[^>]*class="wave-old-label"', svg)
    assert len(label_rows) == 2 and label_rows[0] != label_rows[1], label_rows
    assert "13. nov. 2021" in svg and "4. des. 2021" in svg


def test_the_dashboard_chart_marks_the_chosen_date() -> None:
    points = [
        MilestonePoint(day=date(2022, month, 28), reached=dict.fromkeys(MILESTONES, month))
        for month in range(1, 13)
    ]
    series = MilestoneSeries(total=67, points=points)
    marked = timeline_svg(NB, series, marked=date(2022, 6, 30))
    assert 'class="as-of-mark" data-date="2022-06-30"' in marked
    assert "30. juni 2022" in marked
    assert "as-of-mark" not in timeline_svg(NB, series)
