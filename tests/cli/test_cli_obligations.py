"""Obligations from the command line: `obligations`, `deadline set|bulk` and `overdue`.

The API is served with uvicorn on a free port, a real worker runs the
municipalities' workflows on the time-skipping test server, and the read model
is SQLite; the commands run in a thread, so the CLI's own HTTP client talks to
the real API. Local checks are tested against a port nothing listens on: a
check that passed would show up as "cannot reach", so nothing was sent. (The
`served` fixture is in tests/conftest.py, `offline` in tests/cli/conftest.py.)
"""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from onboarding.cli import output
from onboarding.cli.main import app as cli
from onboarding.domain.calendar import today_in_oslo
from onboarding.store.overdue import overdue_obligations
from onboarding.store.tokens import Role
from tests.helpers.cli import OPTION, Served, one_line_error
from tests.helpers.dates import business_days_after, oslo_day

PENDING_KEYS = [
    "reminder-60d",
    "reminder-30d",
    "reminder-7d",
    "escalation-1",
    "escalation-2",
    "escalation-3",
]


def saturday_after(days: int) -> date:
    """The first Saturday at least `days` from today: its effective deadline is earlier."""
    day = today_in_oslo() + timedelta(days=days)
    return day + timedelta(days=(5 - day.weekday()) % 7)


# -- against the served API ----------------------------------------------------------


async def test_set_a_deadline_see_it_and_move_it(served: Served) -> None:
    number = await served.signed()
    before = await served.run("obligations", number, role=Role.VIEWER)
    assert before.exit_code == 0, before.output
    assert OPTION in before.stdout and "open" in before.stdout
    assert "pending" not in before.stdout, "no deadline, nothing scheduled"

    deadline = saturday_after(200)
    result = await served.run(
        "deadline", "set", number, OPTION, "--on", deadline.isoformat(), "--reason", "program date"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{number} {OPTION}: deadline {deadline} (business day: ")
    assert f"{OPTION}: 6 pending" in result.stdout

    listed = await served.obligation(number)
    assert listed["deadline"] == deadline.isoformat()
    assert listed["effective_deadline"] < listed["deadline"], "a Saturday is no business day"
    assert [m["message_key"] for m in listed["pending"]] == PENDING_KEYS

    table = await served.run("obligations", number, role=Role.VIEWER)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["OBLIGATION", "LABEL", "STATUS", "DEADLINE", "LEVEL", "OPENED"]
    [row] = [line for line in lines if line.startswith(OPTION + " ")]
    assert f"{deadline} (business day: {listed['effective_deadline']})" in row
    assert " open " in row
    # Each pending message at its local instant: the API's offset kept, 08:00 in Oslo.
    for message in listed["pending"]:
        at = f"{message['at'][:10]} 08:00 {message['at'][19:25]}"
        [line] = [line for line in lines if message["message_key"] in line]
        assert line.strip().startswith(at), line
        assert message["kind"] in line
    assert "municipality_contact, program_coordinator" in table.stdout

    # The Tuesday after, or the next business day if it is a holiday (25 December, 1 January,
    # 17 May...): a business day is its own effective deadline.
    moved_to = business_days_after(deadline + timedelta(days=2), 1)
    moved = await served.run(
        "deadline",
        "set",
        number,
        OPTION,
        "--on",
        moved_to.isoformat(),
        "--reason",
        "council meets later",
        "--key",
        "move-1",
        "--json",
    )
    assert moved.exit_code == 0, moved.output
    answer = json.loads(moved.stdout)
    assert answer["deadline"] == answer["effective_deadline"] == moved_to.isoformat()
    assert (await served.obligation(number))["deadline"] == moved_to.isoformat()
    shown = await served.run("obligations", number, role=Role.VIEWER)
    assert f"{moved_to}  " in shown.stdout and "effective" not in shown.stdout


async def test_refusals_are_one_line_and_change_nothing(served: Served) -> None:
    number = await served.signed()
    deadline = today_in_oslo() + timedelta(days=100)
    args = ["--on", deadline.isoformat(), "--reason", "program date"]
    assert (await served.run("deadline", "set", number, OPTION, *args)).exit_code == 0

    past = await served.run(
        "deadline", "set", number, OPTION, "--on", "2020-01-01", "--reason", "x"
    )
    assert one_line_error(past).startswith("error: deadline: 2020-01-01 is in the past (today is ")

    unknown = await served.run("deadline", "set", number, "bake_cake", *args)
    assert one_line_error(unknown).startswith(
        "error: obligation_id: unknown obligation 'bake_cake'; known: exercise_option"
    )

    not_open = await served.run("deadline", "set", number, "sign_service_agreement", *args)
    assert one_line_error(not_open) == (
        "error: obligation sign_service_agreement is not open in stage collaboration_signed"
        " (open: exercise_option)"
    )

    viewer = await served.run("deadline", "set", number, OPTION, *args, role=Role.VIEWER)
    assert "coordinator" in one_line_error(viewer)

    missing = await served.run("obligations", "9999" if number != "9999" else "9998")
    assert one_line_error(missing).startswith("error: no municipality with number 99")

    assert (await served.obligation(number))["deadline"] == deadline.isoformat()


async def test_bulk_reports_each_municipality_and_fails_if_any_failed(served: Served) -> None:
    signed = await served.signed()
    prospective = await served.prospective()
    deadline = today_in_oslo() + timedelta(days=90)
    args = ["--on", deadline.isoformat(), "--reason", "the program's option date"]

    result = await served.run(
        "deadline", "bulk", OPTION, "--numbers", f"{signed},{prospective}", *args
    )

    assert one_line_error(result) == f"error: {OPTION}: 1 of 2 municipalities failed"
    lines = result.stdout.splitlines()
    [ok] = [line for line in lines if line.startswith(signed)]
    [failed] = [line for line in lines if line.startswith(prospective)]
    assert ok.split()[1] == "ok" and deadline.isoformat() in ok
    assert failed.split()[1] == "failed"
    assert f"obligation {OPTION} is not open in stage prospective (open: none)" in failed
    assert lines[-1] == f"{OPTION}: 1 of 2 set, 1 failed"
    assert (await served.obligation(signed))["deadline"] == deadline.isoformat()

    scripted = await served.run(
        "deadline", "bulk", OPTION, "--numbers", f"{prospective},{signed}", *args, "--json"
    )
    assert scripted.exit_code == 1, scripted.output
    body = json.loads(scripted.stdout)
    assert [(r["number"], r["ok"]) for r in body["results"]] == [
        (prospective, False),
        (signed, True),
    ]
    assert body["results"][0]["error"]["error"] == "obligation_not_open"

    later = deadline + timedelta(days=7)
    by_stage = await served.run(
        "deadline",
        "bulk",
        OPTION,
        "--stage",
        "collaboration_signed",
        "--on",
        later.isoformat(),
        "--reason",
        "moved for everyone signed",
    )
    assert by_stage.exit_code == 0, by_stage.output
    assert by_stage.stderr == ""
    assert by_stage.stdout.splitlines()[-1] == f"{OPTION}: 1 of 1 set, 0 failed"
    assert (await served.obligation(signed))["deadline"] == later.isoformat()


async def test_overdue_report(served: Served) -> None:
    number = await served.signed()
    today = today_in_oslo()
    # Due today, or on a weekend or holiday the next business day: a deadline on a
    # non-business day counts from the business day before, already past then.
    due = business_days_after(today - timedelta(days=1), 1)
    due_today = ["--on", due.isoformat(), "--reason", "due today"]
    assert (await served.run("deadline", "set", number, OPTION, *due_today)).exit_code == 0

    empty = await served.run("overdue", role=Role.VIEWER)
    assert empty.exit_code == 0, empty.output
    assert empty.stdout.strip() == "no overdue obligations today", "due today is not overdue yet"
    on_a_day = await served.run("overdue", "--as-of", today.isoformat(), "--json")
    assert on_a_day.exit_code == 0, on_a_day.output
    assert json.loads(on_a_day.stdout) == []

    next_year = (today + timedelta(days=365)).isoformat()
    future = await served.run("overdue", "--as-of", next_year)
    assert one_line_error(future).startswith(f"error: as_of: {next_year} is in the future")

    # A week on the read model has it overdue; that is what the table shows then.
    week_on = today + timedelta(days=7)
    rows = [o.model_dump(mode="json") for o in overdue_obligations(served.engine, as_of=week_on)]
    text = output.overdue_table(rows, as_of=week_on).splitlines()
    assert text[0].split() == [
        "NUMBER",
        "NAME",
        "OBLIGATION",
        "LABEL",
        "DEADLINE",
        "DAYS",
        "OVERDUE",
    ]
    [row] = [line for line in text if line.startswith(number)]
    assert OPTION in row and row.endswith(str(rows[0]["days_overdue"]))
    assert text[-1] == f"1 overdue obligation on {week_on}"


# -- checked before any request -------------------------------------------------------


# A well-formed deadline the API would take: ahead of the wall clock, never a named year.
# (The malformed ones below keep their text: they are refused for their form alone.)
AHEAD = (oslo_day(datetime.now(UTC)) + timedelta(days=100)).isoformat()
SET = ["deadline", "set", "5001", OPTION, "--reason", "r"]
BULK = ["deadline", "bulk", OPTION, "--on", AHEAD, "--reason", "r"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([*SET, "--on", "15.01.2030"], "error: --on: '15.01.2030' is not a date (use YYYY-MM-DD"),
        ([*SET, "--on", "2030-02-30"], "error: --on: '2030-02-30' is not a date"),
        ([*SET, "--on", "20300115"], "error: --on: '20300115' is not a date"),
        (
            ["deadline", "set", "501", OPTION, "--on", AHEAD, "--reason", "r"],
            "error: NUMBER: '501' is not a 4-digit municipality number",
        ),
        (
            ["deadline", "set", "5001", "../users", "--on", AHEAD, "--reason", "r"],
            "error: OBLIGATION: '../users' is not an obligation id",
        ),
        (
            ["deadline", "set", "5001", OPTION, "--on", AHEAD, "--reason", "  "],
            "error: --reason: give a reason",
        ),
        (["obligations", "Trondheim"], "error: NUMBER: 'Trondheim' is not a 4-digit"),
        ([*BULK, "--numbers", "5001,506"], "error: --numbers: '506' is not a 4-digit"),
        ([*BULK, "--numbers", "5001,5001"], "error: --numbers: 5001 is listed twice"),
        ([*BULK, "--numbers", ","], "error: --numbers: '' is not a 4-digit"),
        (BULK, "error: give exactly one of --numbers and --stage (got none)"),
        (
            [*BULK, "--numbers", "5001", "--stage", "preparing"],
            "error: give exactly one of --numbers and --stage (got --numbers and --stage)",
        ),
        ([*BULK, "--stage", "golive"], "error: --stage: unknown stage 'golive' (allowed: "),
        (
            ["deadline", "bulk", OPTION, "--on", "1/2/2030", "--reason", "r", "--stage", "ready"],
            "error: --on: '1/2/2030' is not a date",
        ),
        (["overdue", "--as-of", "tomorrow"], "error: --as-of: 'tomorrow' is not a date"),
        (
            ["overdue", "--kind", "gp"],
            "error: --kind: unknown kind 'gp' (allowed: municipality, gp_office, specialist, ",
        ),
    ],
)
def test_malformed_input_is_rejected_before_any_request(
    offline: CliRunner, args: list[str], expected: str
) -> None:
    result = offline.invoke(cli, args)

    assert one_line_error(result).startswith(expected)
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["obligations", "5001"],
        ["deadline", "set", "5001", OPTION, "--on", AHEAD, "--reason", "r"],
        [*BULK, "--numbers", "5001, 5006"],
        ["overdue", "--as-of", "2024-01-01", "--json"],
    ],
)
def test_well_formed_input_goes_to_the_api(offline: CliRunner, args: list[str]) -> None:
    assert "cannot reach the API" in one_line_error(offline.invoke(cli, args))


def test_missing_on_is_a_one_line_usage_error(offline: CliRunner) -> None:
    result = offline.invoke(cli, ["deadline", "set", "5001", OPTION, "--reason", "r"])

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: Missing option '--on'. (see 'onboarding deadline set --help')"
    )


def test_bulk_help_says_it_fails_if_any_failed(offline: CliRunner) -> None:
    result = offline.invoke(cli, ["deadline", "bulk", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert "Exits non-zero if it failed for any of them" in result.stdout
