"""The audit log page, its exports and the dashboard's "as known on", over HTTP without a
browser: the audit log is filled through the read model's projection (what the
workflow's activities call), so no Temporal client is needed here.
"""

import csv
import io
import json
import re
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import Engine

from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.history.entries import SYSTEM_ACTOR, AuditEntry, AuditFilters
from onboarding.history.export import CSV_COLUMNS
from onboarding.history.log import audit_page
from onboarding.store import projection, tokens
from onboarding.store.tokens import Role
from onboarding.web.history_text import describe
from onboarding.web.i18n import Translator
from onboarding.web.pages import audit
from tests.helpers.store import RECORDED, projected, register
from tests.helpers.web import sign_in_form

S, T = Stage, Trigger


async def _signed_in(http: httpx.AsyncClient, engine: Engine, role: Role) -> None:
    _, secret = tokens.create_token(engine, name=f"Test {role.value}", role=role)
    http.cookies.clear()  # a fresh browser: no earlier session
    assert (await sign_in_form(http, secret)).status_code == 303


def _region(engine: Engine) -> None:
    """Two municipalities, three transitions; the last one recorded a year after it took effect."""
    register(engine, "8801")
    register(engine, "8802")
    projection.record_transition(
        engine,
        projected(
            "8801",
            1,
            T.SIGN_COLLABORATION,
            S.PROSPECTIVE,
            S.COLLABORATION_SIGNED,
            date(2017, 3, 15),
        ),
    )
    projection.record_transition(
        engine,
        projected(
            "8802", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 4, 2)
        ),
    )
    late = projected(
        "8801", 2, T.EXERCISE_OPTION, S.COLLABORATION_SIGNED, S.OPTION_EXERCISED, date(2019, 8, 29)
    )
    late.record.recorded_at = RECORDED + timedelta(days=400)
    projection.record_transition(engine, late)


def _rows(html: str) -> list[str]:
    """The entry ids of the audit table, in page order."""
    return re.findall(r'<tr data-entry="([^"]+)"', html)


async def test_the_audit_page_is_for_admins_and_newest_first(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, Role.COORDINATOR)
    assert (await http.get("/admin/audit")).status_code == 403
    assert (await http.get("/admin/audit/export?format=csv")).status_code == 403
    await _signed_in(http, sqlite_engine, Role.ADMIN)
    page = await http.get("/admin/audit")
    assert page.status_code == 200
    assert 'href="/admin/audit"' in page.text  # in the navigation
    expected = audit_page(sqlite_engine, AuditFilters(), limit=100).items
    assert _rows(page.text) == [entry.id for entry in expected]
    # The three transitions, and the two tokens the test signed in with (token events).
    kinds = sorted(entry.kind for entry in expected)
    assert kinds == ["token_created", "token_created", "transition", "transition", "transition"]
    # Backdated: both the effective date and the recording time are shown.
    assert "29 Aug 2019" in page.text or "29. aug. 2019" in page.text


async def test_filters_pages_and_export_links_keep_the_filters(
    http: httpx.AsyncClient, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, Role.ADMIN)
    monkeypatch.setattr(audit, "AUDIT_PAGE", 1)
    first = await http.get("/admin/audit", params={"municipality": "8801", "kind": "transition"})
    assert first.status_code == 200
    both = [e.id for e in audit_page(sqlite_engine, AuditFilters(municipality="8801")).items]
    assert _rows(first.text) == both[:1]
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older is not None
    link = older.group(1).replace("&amp;", "&")
    assert "municipality=8801" in link and "kind=transition" in link and "offset=1" in link
    second = await http.get(link)
    assert _rows(second.text) == both[1:2]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    csv_link = re.search(r'id="export-csv" href="([^"]+)"', first.text)
    assert csv_link is not None and "municipality=8801" in csv_link.group(1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"municipality": "88"}, "municipality"),
        ({"kind": "gossip"}, "kind"),
        ({"from": "2024-13-01"}, "from"),
        ({"from": "2024-02-01", "to": "2024-01-01"}, "from"),
    ],
)
async def test_a_wrong_filter_is_named_and_shows_nothing(
    http: httpx.AsyncClient, sqlite_engine: Engine, params: dict[str, str], field: str
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, Role.ADMIN)
    page = await http.get("/admin/audit", params=params)
    assert page.status_code == 422
    assert f'id="f-{field}-error"' in page.text and _rows(page.text) == []
    export = await http.get("/admin/audit/export", params={"format": "csv", **params})
    assert export.status_code == 422 and field in export.text


async def test_exports_stream_the_filtered_log(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, Role.ADMIN)
    answer = await http.get("/admin/audit/export", params={"format": "csv", "municipality": "8801"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="audit.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["municipality_number"] for row in rows] == ["8801", "8801"]
    assert [row["effective_on"] for row in rows] == ["2017-03-15", "2019-08-29"]  # oldest first
    as_json = await http.get(
        "/admin/audit/export", params={"format": "json", "from": RECORDED.date().isoformat()}
    )
    assert as_json.headers["content-type"].startswith("application/json")
    assert [e["id"] for e in json.loads(as_json.text)] == [
        e.id
        for e in reversed(
            audit_page(sqlite_engine, AuditFilters(recorded_from=RECORDED.date())).items
        )
    ]
    wrong = await http.get("/admin/audit/export", params={"format": "xml"})
    assert wrong.status_code == 422 and "csv" in wrong.text


async def test_the_dashboard_as_known_on_leaves_out_later_records(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    _region(sqlite_engine)
    await _signed_in(http, sqlite_engine, Role.VIEWER)

    def option_count(html: str) -> int:
        match = re.search(r'stage-option_exercised"><span class="count">(\d+)</span>', html)
        assert match, "no option_exercised count on the dashboard"
        return int(match.group(1))

    now = await http.get("/", params={"as_of": "2020-01-01"})
    assert now.status_code == 200 and option_count(now.text) == 1
    # Recorded 400 days after RECORDED: not yet known the day after RECORDED.
    then = await http.get(
        "/",
        params={
            "as_of": "2020-01-01",
            "known_on": (RECORDED.date() + timedelta(days=1)).isoformat(),
        },
    )
    assert then.status_code == 200 and option_count(then.text) == 0
    assert 'id="known-on-note"' in then.text
    future = await http.get("/", params={"known_on": "2999-01-01"})
    assert future.status_code == 422 and 'id="known_on-error"' in future.text


def _entry(kind: str, details: dict[str, object], summary: str = "from the source") -> AuditEntry:
    return AuditEntry(
        id=f"{kind}:1",
        kind=kind,
        municipality_number="8801",
        actor=SYSTEM_ACTOR,
        effective_on=date(2022, 3, 1),
        recorded_at=RECORDED,
        summary=summary,
        details=details,
    )


def test_entries_are_described_in_the_page_language() -> None:
    nb, en = Translator("nb"), Translator("en")
    amended = _entry(
        "correction",
        {
            "correction": "amend",
            "trigger": "sign_collaboration",
            "effective_on_before": "2022-03-01",
            "effective_on_after": "2022-02-15",
            "stage_before": "collaboration_signed",
            "stage_after": "collaboration_signed",
        },
    )
    assert describe(en, amended) == (
        "Amended “Sign collaboration agreement” (effective date 1 Mar 2022 → 15 Feb 2022)"
    )
    assert "15. februar 2022" in describe(nb, amended)
    voided = _entry(
        "correction", {**amended.details, "correction": "void", "stage_after": "prospective"}
    )
    assert describe(en, voided).startswith("Voided “Sign collaboration agreement”")
    assert describe(en, voided).endswith("→ Prospective")
    moved = _entry(
        "deadline_change",
        {
            "obligation_id": "exercise_option",
            "deadline_before": None,
            "deadline_after": "2027-06-11",
        },
    )
    assert describe(en, moved) == "Deadline of Exercise option: — → 11 Jun 2027"
    reminder = _entry(
        "reminder",
        {
            "obligation_id": "exercise_option",
            "recipient_role": "municipality_contact",
            "status": "sent",
        },
    )
    assert describe(nb, reminder) != describe(en, reminder)
    # Checklist items, contacts, tokens and wave events have sentences of their own.
    done = _entry("checklist_completion", {"item": "integrations_tested"})
    assert describe(nb, done) == "Sjekklistepunkt utført: Integrasjoner testet"
    moved_wave = _entry(
        "wave_rescheduled",
        {
            "event": "rescheduled",
            "go_live_at": "2028-04-16T22:00:00+02:00",
            "previous_go_live_at": "2028-01-07T22:00:00+01:00",
            "other_wave": None,
        },
    ).model_copy(update={"wave": "2028-sunnmore"})
    assert describe(nb, moved_wave) == (
        "Bølge 2028-sunnmore flyttet: 7. januar 2028 22:00 → 16. april 2028 22:00"
    )
    added = _entry("wave_member_added", {"event": "member_added"}).model_copy(
        update={"wave": "2028-sunnmore"}
    )
    assert describe(nb, added) == "8801 lagt til bølge 2028-sunnmore"
    revoked = _entry("token_revoked", {"name": "Kari", "role": "coordinator"})
    assert describe(nb, revoked) == "Kari (koordinator)"
    for kind in ("checklist_completion", "token_revoked", "wave_decision", "wave_member_added"):
        assert nb(f"kind.{kind}") != kind and en(f"kind.{kind}") != kind
    # A kind added later, or details of another shape: the source's own summary.
    assert describe(en, _entry("wave_rescheduled", {})) == "from the source"
    assert describe(en, _entry("transition", {"trigger": "no-such-trigger"})) == "from the source"


def test_every_kind_of_entry_has_a_label_and_a_sentence_in_both_languages() -> None:
    from onboarding.history.log import known_kinds
    from onboarding.web.catalog import CATALOGS
    from onboarding.web.history_text import DESCRIBERS

    for language, catalog in CATALOGS.items():
        for kind in known_kinds():
            assert f"kind.{kind}" in catalog, (language, kind)
            assert kind in DESCRIBERS or f"history.{kind}" in catalog, (language, kind)


async def test_a_backdated_entry_is_marked_with_when_it_was_entered(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    """The demo loader's backdated records (#21) say so, on the page and in its title."""
    register(sqlite_engine, "8803")
    backdated = projected(
        "8803", 1, T.SIGN_COLLABORATION, S.PROSPECTIVE, S.COLLABORATION_SIGNED, date(2017, 3, 15)
    )
    backdated.record.entered_at = RECORDED + timedelta(days=3000)
    projection.record_transition(sqlite_engine, backdated)
    await _signed_in(http, sqlite_engine, Role.ADMIN)
    page = (await http.get("/admin/audit?municipality=8803")).text
    [row] = re.findall(r'<tr data-entry="transition:[^"]+".*?</tr>', page, re.S)
    assert '<span class="badge backdated-entry"' in row
    assert "tilbakedatert" in row and "av demo-lasteren" in row
    _region(sqlite_engine)
    plain = (await http.get("/admin/audit?municipality=8801")).text
    assert "backdated-entry" not in plain
