"""The CLI's plain-text rendering, without a server: what `show` says about blocked triggers."""

import pytest

from onboarding.cli import output

STEINKJER = {
    "number": "5006",
    "name": "Steinkjer",
    "county": "Trøndelag",
    "health_trust": "Helse Nord-Trøndelag HF",
    "stage": "service_agreement_signed",
    "paused_from": None,
    "allowed_triggers": ["pause", "withdraw"],
    "last_transition": None,
    "go_live_blockers": [
        "not a member of a production wave",
        "checklist item integration_tested not done",
    ],
}


def test_show_names_a_blocked_trigger_and_what_it_lacks() -> None:
    text = output.municipality_details(STEINKJER)
    assert "Allowed triggers: pause, withdraw" in text
    assert "Blocked triggers: approve_go_live, until:" in text
    assert "  - not a member of a production wave" in text
    assert "  - checklist item integration_tested not done" in text


def test_show_names_no_blocked_trigger_when_nothing_is_missing() -> None:
    ready = {**STEINKJER, "stage": "ready", "allowed_triggers": ["go_live"], "go_live_blockers": []}
    assert "Blocked" not in output.municipality_details(ready)
    prospective = {**STEINKJER, "stage": "prospective", "allowed_triggers": ["sign_collaboration"]}
    assert "Blocked" not in output.municipality_details(prospective)


def test_the_outbox_statuses_of_the_help_are_the_domains() -> None:
    from onboarding.cli.people_commands import OUTBOX_STATUSES
    from onboarding.domain.notifications import NotificationStatus

    assert OUTBOX_STATUSES == tuple(s.value for s in NotificationStatus)


def test_the_checklist_items_of_the_help_are_the_domains() -> None:
    from onboarding.cli.wave_commands import CHECKLIST_ITEMS
    from onboarding.domain.checklist import ChecklistItemId

    assert CHECKLIST_ITEMS == tuple(i.value for i in ChecklistItemId)


def test_a_wide_table_wraps_its_widest_columns_to_fit() -> None:
    rows = [
        ("5001", "Trondheim", "x" * 90, "Helse Midt-Norge, St. Olavs hospital HF", "a comment " * 8)
    ]
    text = output.table(["NUMBER", "NAME", "EVIDENCE", "TRUST", "COMMENT"], rows, width=120)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert len(lines) > 3  # the row took more lines
    assert lines[2].startswith("5001    Trondheim")
    # Nothing is lost: every word of the comment is still there.
    assert " ".join(lines).count("comment") == 8
    narrow = output.table(["A", "B"], [("1", "2")], width=120)
    assert narrow.splitlines() == ["A  B", "-  -", "1  2"]


def test_the_funnel_of_a_past_date_counts_municipalities_not_now() -> None:
    text = output.funnel_report(
        {"as_of": "2022-10-11", "total": 67, "stages": {"live": 3}, "reached": {"live": 3}}
    )
    assert "NOW" not in text and "MUNICIPALITIES" in text


def test_a_deadline_on_a_holiday_names_its_business_day() -> None:
    moved = {"deadline": "2027-06-12", "effective_deadline": "2027-06-11"}
    assert output.deadline_text(moved) == "2027-06-12 (business day: 2027-06-11)"


def test_the_work_list_names_a_moved_deadlines_business_day_as_everywhere_else() -> None:
    from onboarding.cli.worklist_actions import worklist_text

    party = {"id": "5001", "name": "Trondheim", "kind": "municipality"}
    row = {
        "party": party,
        "obligation_id": "exercise_option",
        "deadline": "2027-06-12",
        "effective_deadline": "2027-06-11",
        "days_left": -3,
    }
    counts = {"overdue": 1, "due": 0, "blocked": 0, "failed_notifications": 0, "stuck": 0}
    work = {
        "as_of": "2027-06-14",
        "filters": {"days": 14},
        "counts": counts,
        **{part: [] for part in ("due", "blocked", "failed_notifications", "stuck")},
        "overdue": [row],
    }
    text = worklist_text(work)
    assert "2027-06-12 (business day: 2027-06-11)" in text
    assert "effective" not in text and "(set" not in text


def test_long_details_wrap_on_a_terminal_and_stay_whole_in_a_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    last = {
        "trigger": "sign_service_agreement",
        "from_stage": "preparing",
        "to_stage": "service_agreement_signed",
        "effective_on": "2025-03-10",
        "actor": {"name": "Demo loader (docs/demo-region.md)"},
    }
    view = {**STEINKJER, "last_transition": last}
    monkeypatch.setattr(output, "table_width", lambda: 120)
    lines = output.municipality_details(view).splitlines()
    assert max(len(line) for line in lines) <= 120
    wrapped = lines[lines.index(next(x for x in lines if x.startswith("Last transition:"))) + 1]
    assert wrapped.startswith(" " * len("Last transition:  ")) and wrapped.strip()
    monkeypatch.setattr(output, "table_width", lambda: None)
    piped = output.municipality_details(view)
    assert "by Demo loader (docs/demo-region.md)" in piped.splitlines()[-1]


@pytest.mark.parametrize("key", ["municipality", "gp_office", "specialist", "hospital"])
def test_process_show_fits_120_columns_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    from typer.testing import CliRunner

    from onboarding.cli.main import app

    monkeypatch.setattr(output, "table_width", lambda: 120)  # as on a terminal
    result = CliRunner().invoke(app, ["process", "show", "--key", key])
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 120
    assert "Main road: prospective ->" in result.output


def test_the_default_process_of_the_commands_is_the_registrys() -> None:
    from onboarding.cli.process_commands import KEYS, MUNICIPALITY
    from onboarding.domain.process import registry

    assert registry.MUNICIPALITY == MUNICIPALITY
    assert list(KEYS) == registry.keys()
