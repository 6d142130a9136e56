"""The pages' pure parts and their SQL, without a browser: languages and catalogs,
sessions and their timeouts, the diagram's layout, the milestone series, the region table."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.notifications import MessageKind, NotificationStatus, RecipientRole
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.domain.parties.models import MunicipalityView
from onboarding.domain.party import PartyKind
from onboarding.domain.process.diff import Part
from onboarding.domain.process.machine import transitions_by_trigger
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import PROCESSES, keys
from onboarding.domain.vocabulary import EVIDENCE_FIELDS, MILESTONES, Stage, Trigger
from onboarding.domain.waves.models import Decision, MemberStatus, WaveEventKind, WaveStatus
from onboarding.domain.worklist import StuckReason
from onboarding.store import projection, queries, tokens
from onboarding.store.sessions import Timeouts, end_session, find_session, open_session
from onboarding.store.tables.obligations import ObligationRow
from onboarding.store.tokens import Role
from onboarding.web.catalog import CATALOGS
from onboarding.web.diagram import NODE_H, NODE_W, ROW_H, _centre, layout, render_svg
from onboarding.web.i18n import Translator, negotiate
from onboarding.web.milestones import milestone_series
from onboarding.web.pages.dashboard import MUNICIPALITY_STAGES
from onboarding.web.pages.municipality import forward_triggers, next_stages
from onboarding.web.pages.signin import safe_next
from tests.helpers import V1
from tests.helpers.region_rows import region_rows
from tests.helpers.store import projected, register

S, T = Stage, Trigger
TEMPLATES = Path(__file__).resolve().parents[2] / "onboarding" / "web" / "templates"
TIMEOUTS = Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# -- languages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("en", "nb-NO,nb;q=0.9", "en"),  # the switch wins
        (None, "en-US,en;q=0.9", "en"),
        (None, "nn-NO", "nb"),
        (None, "no", "nb"),
        (None, "de-DE,en;q=0.5", "en"),
        (None, "en;q=0.5, nb;q=0.8", "nb"),
        (None, "de-DE", "nb"),  # nothing we speak: bokmål
        (None, None, "nb"),
        ("fr", "en", "en"),  # a cookie we do not know is ignored
        (None, "en;q=0", "nb"),
    ],
)
def test_language_negotiation(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header) == expected


def test_both_catalogs_have_every_key_the_templates_use() -> None:
    assert set(CATALOGS["nb"]) == set(CATALOGS["en"])
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]+)'", template.read_text()))
    assert used, "no keys found: the pattern is wrong"
    # Keys built in a template from a prefix and a value (`'role.' ~ user.role`).
    prefixes = {key for key in used if key.endswith(".")}
    assert prefixes <= {
        "field.evidence.",
        "hint.evidence.",
        "contact_role.",
        "done.",
        "field.",
        "notification_status.",
        "obligation_status.",
        "message_kind.",
        "role.",
        "wave_done.",
        "wave_status.",
        "member_status.",
        "decision.",
        "wave_event.",
        "worklist.reason.",
    }
    built = (
        {f"field.evidence.{name}" for name in EVIDENCE_FIELDS}
        | {f"hint.evidence.{name}" for name in EVIDENCE_FIELDS}
        | {f"contact_role.{role.value}" for role in RecipientRole}
        | {f"notification_status.{status.value}" for status in NotificationStatus}
        | {f"obligation_status.{status.value}" for status in ObligationStatus}
        | {f"message_kind.{kind.value}" for kind in MessageKind}
        | {f"role.{role.value}" for role in Role}
        | {f"wave_status.{status.value}" for status in WaveStatus}
        | {f"member_status.{status.value}" for status in MemberStatus}
        | {f"decision.{decision.value}" for decision in Decision}
        | {f"wave_event.{kind}" for kind in get_args(WaveEventKind)}
        | {f"checklist_item.{item.value}" for item in ChecklistItemId}
        | {f"worklist.reason.{reason.value}" for reason in StuckReason}
    )
    assert (used - prefixes) | built <= set(CATALOGS["en"])


def test_dates_and_times_in_each_language_in_oslo() -> None:
    nb, en = Translator("nb"), Translator("en")
    assert nb.date(date(2022, 5, 7)) == "7. mai 2022"
    assert en.date(date(2022, 5, 7)) == "7 May 2022"
    # 06:00 UTC is 08:00 in Oslo in summer, 07:00 in winter.
    assert en.datetime(datetime(2027, 5, 12, 6, 0, tzinfo=UTC)) == "12 May 2027 08:00"
    assert nb.datetime(datetime(2027, 1, 12, 6, 0, tzinfo=UTC)) == "12. januar 2027 07:00"
    # Table cells: the Language Council's abbreviations (mars to juli stay whole).
    assert nb.short_datetime(datetime(2026, 12, 3, 13, 5, tzinfo=UTC)) == "3. des. 2026 14:05"
    assert nb.short_date(date(2026, 3, 3)) == "3. mars 2026"
    assert en.short_date(date(2026, 12, 3)) == "3 Dec 2026"
    assert nb.stage(Stage.LIVE) == "I produksjon" and en.trigger(Trigger.GO_LIVE) == "Go live"
    assert en("filter.count", shown=3, total=67) == "Showing 3 of 67 municipalities."


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/municipalities/5001", "/municipalities/5001"),
        ("/?as_of=2024-01-03", "/?as_of=2024-01-03"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


# -- sessions ---------------------------------------------------------------------------


def test_a_session_acts_as_its_token(sqlite_engine: Engine) -> None:
    token, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.COORDINATOR)
    assert open_session(sqlite_engine, token_secret="onb_wrong", now=NOW) is None
    opened = open_session(sqlite_engine, token_secret=f"  {secret}\n", now=NOW)
    assert opened is not None
    assert opened.actor.id == f"token:{token.id}" and opened.actor.role == "coordinator"
    found = find_session(sqlite_engine, session_id=opened.session_id, timeouts=TIMEOUTS, now=NOW)
    assert found is not None and found.csrf_token == opened.csrf_token
    assert find_session(sqlite_engine, session_id="guess", timeouts=TIMEOUTS, now=NOW) is None


def test_idle_timeout_ends_a_session(sqlite_engine: Engine) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.VIEWER)
    opened = open_session(sqlite_engine, token_secret=secret, now=NOW)
    assert opened is not None
    sid = opened.session_id
    # Used every 20 minutes: alive; then 31 minutes of nothing: ended, and stays ended.
    for minutes in (20, 40, 60):
        moment = NOW + timedelta(minutes=minutes)
        assert find_session(sqlite_engine, session_id=sid, timeouts=TIMEOUTS, now=moment)
    late = NOW + timedelta(minutes=60 + 31)
    assert find_session(sqlite_engine, session_id=sid, timeouts=TIMEOUTS, now=late) is None
    again = NOW + timedelta(minutes=62)
    assert find_session(sqlite_engine, session_id=sid, timeouts=TIMEOUTS, now=again) is None


def test_absolute_timeout_ends_a_busy_session(sqlite_engine: Engine) -> None:
    _, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.VIEWER)
    opened = open_session(sqlite_engine, token_secret=secret, now=NOW)
    assert opened is not None
    moment = NOW
    while moment < NOW + timedelta(hours=11, minutes=50):
        moment += timedelta(minutes=10)
        assert find_session(
            sqlite_engine, session_id=opened.session_id, timeouts=TIMEOUTS, now=moment
        )
    past = NOW + timedelta(hours=12, minutes=1)
    assert (
        find_session(sqlite_engine, session_id=opened.session_id, timeouts=TIMEOUTS, now=past)
        is None
    )


def test_revoking_the_token_or_signing_out_ends_the_session(sqlite_engine: Engine) -> None:
    token, secret = tokens.create_token(sqlite_engine, name="Kari", role=Role.ADMIN)
    first = open_session(sqlite_engine, token_secret=secret, now=NOW)
    second = open_session(sqlite_engine, token_secret=secret, now=NOW)
    assert first is not None and second is not None
    end_session(sqlite_engine, session_id=first.session_id, now=NOW)
    for session_id, alive in ((first.session_id, False), (second.session_id, True)):
        found = find_session(sqlite_engine, session_id=session_id, timeouts=TIMEOUTS, now=NOW)
        assert (found is not None) is alive
    assert token.id is not None
    tokens.revoke_token(sqlite_engine, token_id=token.id)
    later = NOW + timedelta(minutes=1)
    assert (
        find_session(sqlite_engine, session_id=second.session_id, timeouts=TIMEOUTS, now=later)
        is None
    )


# -- the diagram ---------------------------------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES.values(), ids=lambda p: p.name)
def test_the_diagram_has_every_stage_and_transition(process: ProcessDefinition) -> None:
    plan = layout(process)
    road = process.main_road
    assert set(plan.position) == set(process.stages)
    assert [plan.position[s] for s in road] == [(0.0, float(i)) for i in range(len(road))]
    cells = list(plan.position.values())
    assert len(cells) == len(set(cells)), "two stages on one spot"
    # Every transition is either an arrow or the fan-in caption of its stage.
    edges = transitions_by_trigger(process)
    pairs = {(s, d) for ps in edges.values() for s, d in ps}
    drawn = {(e.source, e.dest) for e in plan.edges}
    fanned = {
        (s, d)
        for trigger, ps in edges.items()
        for s, d in ps
        if plan.fan_in.get(d, (None,))[0] is trigger
    }
    assert drawn | fanned == pairs
    assert plan.fan_in[Stage.WITHDRAWN][0] is Trigger.WITHDRAW

    svg = render_svg(Translator("en"), process, Stage.PREPARING)
    assert svg.count('<g class="node') == len(process.stages)
    assert re.findall(r'class="node current" data-stage="(\w+)"', svg) == ["preparing"]
    assert svg.count("→") == len([p for ps in edges.values() for p in ps])
    assert "Start preparation" in svg and "<script" not in svg


@pytest.mark.parametrize("process", PROCESSES.values(), ids=lambda p: p.name)
def test_no_straight_arrow_runs_through_a_stage_it_does_not_join(
    process: ProcessDefinition,
) -> None:
    # A GP office's declined sat a column out, level with decision_postponed, and
    # its arrows to agreement_offered crossed that stage's box.
    plan = layout(process)
    boxes = {stage: _centre(cell) for stage, cell in plan.position.items()}
    for edge in plan.edges:
        (x1, y1), (x2, y2) = boxes[edge.source], boxes[edge.dest]
        arc = edge.source in plan.main_road and edge.dest in plan.main_road
        if arc and abs(y2 - y1) > ROW_H * 1.5:
            continue  # drawn as an arc left of the column
        for stage, (cx, cy) in boxes.items():
            if stage in (edge.source, edge.dest):
                continue
            crossed = [
                (x1 + (x2 - x1) * i / 200, y1 + (y2 - y1) * i / 200)
                for i in range(201)
                if abs(x1 + (x2 - x1) * i / 200 - cx) < NODE_W / 2
                and abs(y1 + (y2 - y1) * i / 200 - cy) < NODE_H / 2
            ]
            assert not crossed, (edge.source, edge.dest, "through", stage)


def test_every_kind_of_party_is_named_in_both_languages() -> None:
    for key in keys():
        assert CATALOGS["nb"][f"process_kind.{key}"] != CATALOGS["en"][f"process_kind.{key}"]


def test_every_part_of_a_diff_is_named_in_both_languages() -> None:
    for part in Part:
        assert (
            CATALOGS["nb"][f"diff_part.{part.value}"] and CATALOGS["en"][f"diff_part.{part.value}"]
        )


def test_the_dashboard_counts_the_stages_a_municipality_can_stand_in() -> None:
    # Not the words the other kinds of party added (issue #19): no one in the region
    # stands there, and a row of zeros for each would only be noise.
    assert S.CALL_OFF_SIGNED in MUNICIPALITY_STAGES and S.PROSPECTIVE in MUNICIPALITY_STAGES
    assert not {S.AGREEMENT_OFFERED, S.DECISION_POSTPONED, S.AGREEMENT_SIGNED} & set(
        MUNICIPALITY_STAGES
    )
    assert MUNICIPALITY_STAGES == [s for s in Stage if s in MUNICIPALITY_STAGES]


def test_the_diagram_escapes_its_labels() -> None:
    svg = render_svg(Translator("nb"), V1)
    assert "<title" in svg
    assert "&" not in svg.replace("&amp;", "").replace("&#x27;", "")


# -- milestones over time and the region table ----------------------------------------


def test_milestone_series_agrees_with_the_funnel(sqlite_engine: Engine) -> None:
    for number in ("8901", "8902", "8903"):
        register(sqlite_engine, number)
    steps = [
        ("8901", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 3, 15)),
        (
            "8901",
            2,
            T.EXERCISE_OPTION,
            S.COLLABORATION_SIGNED,
            S.OPTION_EXERCISED,
            date(2019, 8, 29),
        ),
        ("8901", 3, T.PAUSE, S.OPTION_EXERCISED, S.PAUSED, date(2020, 2, 1)),
        ("8902", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 9, 1)),
        (
            "8902",
            2,
            T.EXERCISE_OPTION,
            S.COLLABORATION_SIGNED,
            S.OPTION_EXERCISED,
            date(2020, 12, 10),
        ),
        (
            "8902",
            3,
            T.SIGN_SERVICE_AGREEMENT,
            S.OPTION_EXERCISED,
            S.SERVICE_AGREEMENT_SIGNED,
            date(2022, 9, 30),
        ),
    ]
    for number, seq, trigger, source, dest, day in steps:
        projection.record_transition(
            sqlite_engine,
            projected(
                number,
                seq,
                trigger,
                source,
                dest,
                day,
                paused_from=S.OPTION_EXERCISED if dest is S.PAUSED else None,
            ),
        )
    series = milestone_series(sqlite_engine, until=date(2023, 1, 15))
    assert series.total == 3
    assert series.points[0].day == date(2017, 2, 28)
    assert all(v == 0 for v in series.points[0].reached.values())
    assert series.points[-1].day == date(2023, 1, 15)
    for point in series.points:
        funnel = queries.funnel(sqlite_engine, as_of=point.day, kind=PartyKind.MUNICIPALITY)
        assert {m.value: point.reached[m] for m in MILESTONES} == funnel.reached, point.day
    by_day = {p.day: p.reached for p in series.points}
    assert by_day[date(2019, 8, 31)][S.OPTION_EXERCISED] == 1
    assert by_day[date(2020, 12, 31)][S.OPTION_EXERCISED] == 2  # the paused one keeps it
    assert by_day[date(2022, 9, 30)][S.SERVICE_AGREEMENT_SIGNED] == 1
    assert milestone_series(sqlite_engine, until=date(2016, 1, 1)).points == []


def test_region_rows_show_the_next_deadline_and_overdue(sqlite_engine: Engine) -> None:
    for number in ("8911", "8912", "8913"):
        register(sqlite_engine, number)
    with Session(sqlite_engine) as session:
        for number, obligation, deadline, status in [
            ("8911", "exercise_option", date(2026, 6, 11), "open"),
            ("8911", "sign_service_agreement", date(2026, 1, 9), "fulfilled"),
            ("8912", "exercise_option", date(2025, 12, 1), "open"),
            ("8912", "sign_collaboration", date(2026, 2, 2), "open"),
        ]:
            session.add(
                ObligationRow(
                    municipality_number=number,
                    obligation_id=obligation,
                    label=obligation,
                    status=status,
                    deadline=deadline,
                    effective_deadline=deadline,
                    opened_on=date(2025, 1, 1),
                    updated_at=NOW,
                )
            )
        session.commit()
    rows = {r.number: r for r in region_rows(sqlite_engine, today=date(2026, 1, 10))}
    assert (rows["8911"].next_deadline, rows["8911"].overdue) == (date(2026, 6, 11), False)
    assert (rows["8912"].next_deadline, rows["8912"].next_obligation) == (
        date(2025, 12, 1),
        "exercise_option",
    )
    assert rows["8912"].overdue is True
    assert (rows["8913"].next_deadline, rows["8913"].overdue, rows["8913"].wave) == (
        None,
        False,
        "",
    )


def test_only_the_arrows_the_municipality_may_take_now_are_lit() -> None:
    paused = MunicipalityView(
        number="8921",
        name="Testby",
        county="Trøndelag",
        health_trust="St. Olavs HF",
        stage=S.PAUSED,
        paused_from=S.PREPARING,
        allowed_triggers=[T.RESUME, T.WITHDRAW],
        last_transition=None,
    )
    assert next_stages(paused) == {S.PREPARING, S.WITHDRAWN}
    assert forward_triggers(paused) == {T.RESUME}
    svg = render_svg(Translator("en"), V1, S.PAUSED, next_stages(paused))
    # Of the three resume arrows, only the one back to preparing (withdraw is a caption).
    assert svg.count('class="edge now"') == 1
    assert "Resume" in svg

    signed = paused.model_copy(
        update={
            "stage": S.COLLABORATION_SIGNED,
            "paused_from": None,
            "allowed_triggers": [T.REQUIRE_RESIGNATURE, T.EXERCISE_OPTION, T.DECLINE, T.WITHDRAW],
        }
    )
    assert forward_triggers(signed) == {T.EXERCISE_OPTION}
    assert next_stages(signed) == {
        S.RESIGNATURE_REQUIRED,
        S.OPTION_EXERCISED,
        S.DECLINED,
        S.WITHDRAWN,
    }
